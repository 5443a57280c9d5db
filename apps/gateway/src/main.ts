import { gatewayEnv, loadConfig, z } from '@identity-store/config';
import { migrateDatabase } from '@identity-store/event-store';
import { createLogger } from '@identity-store/http-kit';
import { createGatewayApp } from './gateway-app';

/**
 * Distributed mode: the gateway as its own process, with its own database, proxying to the
 * services' URLs. Services without an implementation yet (passcode, passkey, appkey, biometric)
 * answer 501 at the gateway; their URLs are optional for when they exist.
 */
const env = gatewayEnv.extend({
  PASSCODE_URL: z.string().url().optional(),
  PASSKEY_URL: z.string().url().optional(),
  APPKEY_URL: z.string().url().optional(),
  BIOMETRIC_URL: z.string().url().optional(),
});

const main = async () => {
  const config = loadConfig(env);
  const logger = createLogger('gateway', config.LOG_LEVEL);
  await migrateDatabase(config.DATABASE_URL);
  const gateway = await createGatewayApp({
    databaseUrl: config.DATABASE_URL,
    targets: {
      identity: config.IDENTITY_URL,
      totp: config.TOTP_URL,
      audit: config.AUDIT_URL,
      passcode: config.PASSCODE_URL,
      passkey: config.PASSKEY_URL,
      appkey: config.APPKEY_URL,
      biometric: config.BIOMETRIC_URL,
    },
    jwtSecret: config.JWT_SECRET,
    secretsKey: config.SECRETS_KEY,
    tokenTtlSeconds: config.TOKEN_TTL_SECONDS,
    logger,
  });
  if (!config.JWT_SECRET && !config.SECRETS_KEY)
    logger.warn(
      'neither JWT_SECRET nor SECRETS_KEY is set: tokens are signed with a random key and die with this process',
    );
  if (config.ADMIN_API_KEY) {
    const { status } = await gateway.apiKeys.ensureAdminKey(config.ADMIN_API_KEY);
    logger.info({ status }, 'bootstrap API key "admin" ensured');
  } else {
    logger.warn('ADMIN_API_KEY is not set: no bootstrap API key was ensured');
  }

  const server = gateway.app.listen(config.PORT, () =>
    logger.info({ port: config.PORT }, 'gateway listening'),
  );
  server.keepAliveTimeout = 65_000;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close(() => {
      gateway
        .close()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
};

main().catch((error: unknown) => {
  // eslint-disable-next-line no-console
  console.error(error);
  process.exit(1);
});
