/**
 * `npm start`: the embedded default. Every app in one process, an embedded PostgreSQL under the
 * data directory, the in-process event transport. Set DATABASE_URL to use an existing PostgreSQL
 * server instead, and KAFKA_BROKERS to publish to Kafka.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { commonEnv, loadConfig, storageSettings, trustProxySchema, z } from '@identity-store/config';
import { generateSecretsKey } from '@identity-store/crypto';
import { createLogger } from '@identity-store/http-kit';
import { startPostgresServer } from './postgres-server';
import { startSystem } from './system';

const env = loadConfig(
  commonEnv.extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('127.0.0.1'),
    IDENTITY_STORE_DATA: z
      .string()
      .default(path.resolve(__dirname, '../../../.data'))
      .transform((dir) => path.resolve(dir)),
    DATABASE_URL: z.string().url().optional(),
    ADMIN_API_KEY: z.string().min(24).optional(),
    /** HMAC key of the bearer tokens; derived from SECRETS_KEY (HKDF) when absent. */
    JWT_SECRET: z.string().min(32).optional(),
    /** Admin listener (metrics, detailed readiness, projection rebuild) on 127.0.0.1; none when unset. */
    ADMIN_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    EMBEDDED_PG_PORT: z.coerce.number().int().default(54329),
    TRUST_PROXY: trustProxySchema.optional(),
    /** The face matcher's worker threads (default: one per core but one). */
    BIOMETRIC_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  }),
);

interface Installation {
  secretsKey: string;
  adminApiKey: string;
  postgresPassword: string;
}

/** Generated once per data directory (mode 0600) so restarts keep keys and data readable. */
const installation = (dataDir: string): { config: Installation; fresh: boolean } => {
  const file = path.join(dataDir, 'installation.json');
  if (existsSync(file)) return { config: JSON.parse(readFileSync(file, 'utf8')) as Installation, fresh: false };
  const config: Installation = {
    secretsKey: generateSecretsKey(),
    adminApiKey: `isk_admin_${randomBytes(32).toString('base64url')}`,
    postgresPassword: randomBytes(18).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { config, fresh: true };
};

const main = async () => {
  const logger = createLogger('identity-store', env.LOG_LEVEL);
  // Secrets live here (installation.json): no one else may list or read it. Run by root, the
  // postgres user still needs to traverse it to reach pg/ (which it owns, mode 0700).
  mkdirSync(env.IDENTITY_STORE_DATA, { recursive: true, mode: userInfo().uid === 0 ? 0o711 : 0o700 });
  const { config, fresh } = installation(env.IDENTITY_STORE_DATA);

  let stopPostgres = async () => {};
  let postgresUrl = env.DATABASE_URL;
  if (!postgresUrl) {
    const postgres = await startPostgresServer({
      dataDir: path.join(env.IDENTITY_STORE_DATA, 'pg'),
      port: env.EMBEDDED_PG_PORT,
      password: config.postgresPassword,
      log: (message) => logger.info(message),
    });
    stopPostgres = postgres.stop;
    postgresUrl = postgres.url;
  }

  const system = await startSystem({
    postgresUrl,
    transport: env.KAFKA_BROKERS?.length ? { kind: 'kafka', brokers: env.KAFKA_BROKERS } : { kind: 'in-process' },
    port: env.PORT,
    host: env.HOST,
    secretsKey: env.SECRETS_KEY ?? config.secretsKey,
    jwtSecret: env.JWT_SECRET,
    adminPort: env.ADMIN_PORT,
    adminApiKey: env.ADMIN_API_KEY ?? config.adminApiKey,
    trustProxy: env.TRUST_PROXY,
    logger,
    storage: storageSettings(env),
    publicBaseUrl: env.PUBLIC_BASE_URL,
    biometricThreads: env.BIOMETRIC_THREADS,
  });

  // The key itself is never printed (stdout ends up in journald and CI logs): only where it is.
  const installationFile = path.join(env.IDENTITY_STORE_DATA, 'installation.json');
  const adminKey = env.ADMIN_API_KEY
    ? '(from ADMIN_API_KEY)'
    : `${fresh ? 'generated, ' : ''}in ${installationFile} ("adminApiKey"; mode 0600)`;
  process.stdout.write(
    [
      '',
      `identity-store is running at ${system.url}`,
      `  API:      ${system.url}/api/identity-store/stores`,
      `  Docs:     ${system.url}/api/identity-store/docs`,
      `  Admin API key: ${adminKey}`,
      `  Get a token:   curl -s -X POST -H "X-Api-Key: $(node -p 'require(process.argv[1]).adminApiKey' ${installationFile})" ${system.url}/api/arthr/apiKeys/issue`,
      `  Data:     ${env.IDENTITY_STORE_DATA}`,
      ...(system.adminUrl ? [`  Admin:    ${system.adminUrl}/metrics (loopback only)`] : []),
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down: finishing requests in flight (at most 10 s)');
    setTimeout(() => {
      logger.error('shutdown took longer than 20 s; exiting');
      process.exit(1);
    }, 20_000).unref();
    await system.close({ graceMs: 10_000 }).catch((error) => logger.error({ err: error }, 'shutdown'));
    await stopPostgres().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
};

main().catch((error) => {
  process.stderr.write(`identity-store failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
