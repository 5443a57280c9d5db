/**
 * Distributed mode: the identity service as its own process, with its own database. Its events
 * reach Kafka through the outbox; summaries come from the audit service over HTTP (service tokens);
 * public operations are served only with the gateway's grants.
 */
import { distributedServiceEnv, loadConfig, storageSettings, z } from '@identity-store/config';
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
});

void runService({
  name: 'identity',
  config: () => {
    const config = loadConfig(env);
    return { ...config, trust: serviceTrustFrom(config) };
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
      logger,
      trust: config.trust,
    });
  },
});
