/**
 * Distributed mode: the audit service as its own process, with its own database. The projector
 * consumes the credential topics from Kafka; stores and users come from the identity service
 * (service tokens). Metrics and the projection rebuild are on the admin listener (ADMIN_PORT).
 */
import { distributedServiceEnv, loadConfig, z } from '@identity-store/config';
import { openServiceInfrastructure } from '@identity-store/event-store';
import { createMetricsRegistry, InternalTokenIssuer, runService, serviceTrustFrom } from '@identity-store/http-kit';
import { HttpIdentityQueries } from '@identity-store/service-clients';
import { createAuditModule } from '@identity-store/audit';

const env = distributedServiceEnv(8083).extend({
  IDENTITY_URL: z.string().url(),
  /** The projector's Kafka consumer group: unique per deployment sharing a broker. */
  AUDIT_CONSUMER_GROUP: z.string().min(1).default('audit-projector'),
  /** Where a consumer group without offsets starts: all history (true) or what comes from now on. */
  AUDIT_FROM_BEGINNING: z.enum(['true', 'false']).default('true'),
});

void runService({
  name: 'audit',
  config: () => {
    const config = loadConfig(env);
    return { ...config, trust: serviceTrustFrom(config) };
  },
  start: async (config, { logger, onShutdown }) => {
    const { prisma, transport } = await openServiceInfrastructure({
      databaseUrl: config.DATABASE_URL,
      brokers: config.KAFKA_BROKERS,
      clientId: 'identity-store-audit',
      logger,
      onShutdown,
    });

    const audit = createAuditModule({
      prisma,
      transport,
      identity: new HttpIdentityQueries(config.IDENTITY_URL, {
        tokens: new InternalTokenIssuer('audit', config.trust.internalTokenKey),
      }),
      logger,
      // One registry for the app's HTTP metrics and the projector's lag histogram, both on /metrics.
      metrics: createMetricsRegistry(),
      waitTimeoutMs: config.CONSISTENCY_WAIT_MS,
      trust: config.trust,
      projector: {
        consumerGroup: config.AUDIT_CONSUMER_GROUP,
        fromBeginning: config.AUDIT_FROM_BEGINNING === 'true',
      },
    });
    await audit.projector.start();
    onShutdown(() => audit.projector.stop());
    return audit;
  },
});
