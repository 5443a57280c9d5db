import { gatewayEnv, loadConfig, z } from '@identity-store/config';
import { migrateDatabase } from '@identity-store/event-store';
import { parseGrantSigningKey, parseKeyVariable, runService } from '@identity-store/http-kit';
import { createGatewayApp } from '@identity-store/gateway';

/**
 * Distributed mode: the gateway as its own process, with its own database, proxying to the
 * services' URLs with a signed grant per request (GATEWAY_SIGNING_KEY). Services without an
 * implementation yet (appkey, biometric) answer 501 at the gateway; their URLs are optional for
 * when they exist. Only JWT_SECRET is needed for tokens (SECRETS_KEY, the key of secrets at rest,
 * belongs to the credential services; it is still accepted to derive the token key from).
 */
const env = gatewayEnv.extend({
  APPKEY_URL: z.string().url().optional(),
  BIOMETRIC_URL: z.string().url().optional(),
});

void runService({
  name: 'gateway',
  config: () => {
    const config = loadConfig(env);
    return {
      ...config,
      grantSigningKey: parseKeyVariable('GATEWAY_SIGNING_KEY', () => parseGrantSigningKey(config.GATEWAY_SIGNING_KEY)),
    };
  },
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
      grantSigningKey: config.grantSigningKey,
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
    return gateway;
  },
});
