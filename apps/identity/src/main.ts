/**
 * Distributed mode: the identity service as its own process, with its own database. Its events
 * reach Kafka through the outbox; summaries come from the audit service over HTTP (service tokens);
 * public operations are served only with the gateway's grants. Push notification policies' private
 * keys are encrypted at rest with SECRETS_KEY (the appkey service decrypts them with the same key).
 */
import { commonEnv, distributedServiceEnv, loadConfig, storageSettings, z } from '@identity-store/config';
import { SecretBox } from '@identity-store/crypto';
import {
  openServiceInfrastructure,
  startOutboxRelay,
  startOutboxRetention,
} from '@identity-store/event-store';
import { InternalTokenIssuer, runService, serviceTrustFrom } from '@identity-store/http-kit';
import { HttpSummaryQueries } from '@identity-store/service-clients';
import { createIdentityModule } from '@identity-store/identity';

const env = distributedServiceEnv(8081).extend({
  AUDIT_URL: z.string().url(),
  /** Push credentials are encrypted at rest with it: required, and the same on every restart. */
  SECRETS_KEY: commonEnv.shape.SECRETS_KEY.unwrap(),
});

void runService({
  name: 'identity',
  config: () => {
    const config = loadConfig(env);
    // Parsed here so that a bad key stops the process at once, with the variable's name.
    return { ...config, trust: serviceTrustFrom(config), secrets: new SecretBox(config.SECRETS_KEY) };
  },
  start: async (config, { logger, onShutdown }) => {
    const { transport, eventStore } = await openServiceInfrastructure({
      databaseUrl: config.DATABASE_URL,
      brokers: config.KAFKA_BROKERS,
      clientId: 'identity-store-identity',
      logger,
      onShutdown,
    });

    const relay = startOutboxRelay(eventStore, transport, logger);
    onShutdown(() => relay.stop());
    const { outboxRetentionMs } = storageSettings(config);
    const retention = startOutboxRetention(eventStore.prisma, { retentionMs: outboxRetentionMs }, logger);
    onShutdown(() => retention.stop());

    const tokens = new InternalTokenIssuer('identity', config.trust.internalTokenKey);
    return createIdentityModule({
      eventStore,
      summaries: new HttpSummaryQueries(config.AUDIT_URL, { tokens, waitTimeoutMs: config.CONSISTENCY_WAIT_MS }),
      secrets: config.secrets,
      logger,
      trust: config.trust,
    });
  },
});
