import { execFileSync } from 'node:child_process';
import { createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseGrantSigningKey, parseGrantVerifyKey } from '@identity-store/http-kit';
import { parse } from 'yaml';

/**
 * docker-compose.yml as a security configuration (H1, H2's compose half, M6, L2, L6): what it
 * publishes, which network each container is on, which secrets each gets, and that none has a
 * default. (No Docker engine here: the file is read as YAML, merge keys resolved as Compose does.)
 */

const root = path.resolve(__dirname, '../..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  networks: Record<string, { internal?: boolean } | null>;
  services: Record<
    string,
    {
      ports?: string[];
      networks?: string[];
      environment?: Record<string, string | number>;
      volumes?: string[];
      image?: string;
    }
  >;
};
const services = compose.services;
const APPS = ['gateway', 'identity', 'totp', 'passcode', 'passkey', 'appkey', 'biometric', 'audit'];
const SERVICES = APPS.filter((app) => app !== 'gateway');
const env = (service: string) => services[service]?.environment ?? {};
const SECRET_NAME = /PASSWORD|SECRET|_KEY$/;

describe('docker-compose.yml', () => {
  it('publishes nothing but the gateway, and the gateway on loopback unless told otherwise', () => {
    const published = Object.entries(services).filter(([, service]) => service.ports?.length);
    expect(published.map(([name]) => name)).toEqual(['gateway']);
    expect(services.gateway!.ports).toEqual(['${GATEWAY_BIND:-127.0.0.1}:${GATEWAY_PORT:-8080}:8080']);
  });

  it('keeps Kafka, PostgreSQL and the services on an internal network; only the gateway (edge) and appkey (egress to APNs/FCM) are also on another', () => {
    expect(compose.networks.internal).toEqual({ internal: true });
    const outside: Record<string, string> = { gateway: 'edge', appkey: 'egress' };
    for (const [name, service] of Object.entries(services))
      expect([name, service.networks]).toEqual([name, outside[name] ? ['internal', outside[name]] : ['internal']]);
    expect(compose.networks.edge?.internal).toBeFalsy();
    expect(compose.networks.egress?.internal).toBeFalsy();
  });

  it('gives Kafka no host listener and no automatic topic creation; a one-shot job creates the topics', () => {
    const kafka = env('kafka');
    expect(String(kafka.KAFKA_LISTENERS)).not.toMatch(/HOST|EXTERNAL|0\.0\.0\.0/);
    expect(kafka.KAFKA_ADVERTISED_LISTENERS).toBe('PLAINTEXT://kafka:9092');
    expect(kafka.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    const script = JSON.stringify(services['kafka-topics']);
    for (const topic of ['identity', 'totp', 'passcode', 'passkey', 'dlq']) expect(script).toContain(topic);
    for (const service of SERVICES) expect(JSON.stringify(services[service])).toContain('kafka-topics');
  });

  it('has no default for any secret: every password, secret and key is required (${VAR:?…})', () => {
    const text = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    const defaults = [...text.matchAll(/\$\{(\w+):?-[^}]*\}/g)].map((match) => match[1]!);
    expect(defaults.filter((name) => SECRET_NAME.test(name))).toEqual([]);
    for (const [name, service] of Object.entries(services))
      for (const [variable, value] of Object.entries(service.environment ?? {}))
        if (SECRET_NAME.test(variable))
          expect([name, variable, value]).toEqual([name, variable, expect.stringMatching(/^\$\{\w+:\?[^}]+\}$/)]);
  });

  it('connects every app with its own PostgreSQL role to its own database, never as the superuser', () => {
    for (const app of APPS) {
      const url = String(env(app).DATABASE_URL);
      const match = /^postgresql:\/\/([^:]+):\$\{(\w+):\?[^}]+\}@postgres:5432\/(\w+)$/.exec(url);
      expect([app, match?.[1], match?.[2], match?.[3]]).toEqual([
        app,
        `identity_store_${app}`,
        `${app.toUpperCase()}_DB_PASSWORD`,
        `identity_store_${app}`,
      ]);
      expect(env('postgres')[`${app.toUpperCase()}_DB_PASSWORD`]).toMatch(/^\$\{\w+_DB_PASSWORD:\?/);
    }
    expect(JSON.stringify(Object.fromEntries(APPS.map((app) => [app, env(app)])))).not.toContain('POSTGRES_PASSWORD');
    expect(services.postgres!.volumes).toContain(
      './tools/docker/postgres-init.sh:/docker-entrypoint-initdb.d/10-identity-store.sh:ro',
    );
  });

  it('sets HOST for every app container and gives each only the keys it needs', () => {
    for (const app of APPS) expect([app, env(app).HOST, env(app).ADMIN_PORT]).toEqual([app, '0.0.0.0', 9000]);
    const gateway = env('gateway');
    expect(Object.keys(gateway).filter((name) => SECRET_NAME.test(name)).sort()).toEqual([
      'ADMIN_API_KEY',
      'GATEWAY_SIGNING_KEY',
      'JWT_SECRET',
    ]);
    for (const service of SERVICES) {
      const keys = Object.keys(env(service)).filter((name) => SECRET_NAME.test(name));
      expect(keys).toEqual(expect.arrayContaining(['GATEWAY_VERIFY_KEY', 'INTERNAL_TOKEN_KEY']));
      expect(keys).not.toContain('GATEWAY_SIGNING_KEY');
      expect(keys).not.toContain('JWT_SECRET');
      // identity and appkey: push notification policies' private keys are encrypted at rest (identity) and read (appkey).
      expect([service, keys.includes('SECRETS_KEY')]).toEqual([service, ['identity', 'totp', 'passcode', 'appkey', 'biometric'].includes(service)]);
    }
  });

  it('tools/docker/generate-env.sh yields every variable the file requires, and a matching grant key pair', () => {
    const text = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    const required = new Set([...text.matchAll(/\$\{(\w+):\?/g)].map((match) => match[1]!));
    const generated = Object.fromEntries(
      execFileSync('bash', [path.join(root, 'tools/docker/generate-env.sh')], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(generated).sort()).toEqual([...required].sort());
    for (const value of Object.values(generated)) expect(value).toMatch(/^[\w+/=]{32,}$/);
    const privateKey = parseGrantSigningKey(generated.GATEWAY_SIGNING_KEY!);
    const publicKey = parseGrantVerifyKey(generated.GATEWAY_VERIFY_KEY!);
    const signature = sign(null, Buffer.from('grant'), privateKey);
    expect(verify(null, Buffer.from('grant'), publicKey, signature)).toBe(true);
    expect(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64')).toBe(
      generated.GATEWAY_VERIFY_KEY,
    );
  });
});
