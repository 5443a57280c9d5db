import { gatewayEnv, loadConfig, z } from '@identity-store/config';
import { migrateDatabase } from '@identity-store/event-store';
import { runService } from '@identity-store/http-kit';
import { createGatewayApp } from './gateway-app';

/**
 * Distributed mode: the gateway as its own process, with its own database, proxying to the
 * services' URLs. Services without an implementation yet (appkey, biometric) answer 501 at the
 * gateway; their URLs are optional for when they exist.
 */
const env = gatewayEnv.extend({
  HOST: z.string().optional(),
  APPKEY_URL: z.string().url().optional(),
  BIOMETRIC_URL: z.string().url().optional(),
});

void runService({
  name: 'gateway',
  config: () => loadConfig(env),
  start: async (config, { logger, onShutdown }) => {
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
      trustProxy: config.TRUST_PROXY,
      logger,
    });
    onShutdown(() => gateway.close());
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
    return gateway.app;
  },
});
