/**
 * Distributed mode: the audit service as its own process, with its own database. The projector
 * consumes the credential topics from Kafka; stores and users come from the identity service.
 */
import { distributedServiceEnv, loadConfig, z } from '@identity-store/config';
import { openServiceInfrastructure } from '@identity-store/event-store';
import { createMetricsRegistry, runService } from '@identity-store/http-kit';
import { HttpIdentityQueries } from '@identity-store/service-clients';
import { createAuditModule } from './index';

const env = distributedServiceEnv(8083).extend({
  IDENTITY_URL: z.string().url(),
  /** The projector's Kafka consumer group: unique per deployment sharing a broker. */
  AUDIT_CONSUMER_GROUP: z.string().min(1).default('audit-projector'),
  /** Where a consumer group without offsets starts: all history (true) or what comes from now on. */
  AUDIT_FROM_BEGINNING: z.enum(['true', 'false']).default('true'),
});

void runService({
  name: 'audit',
  config: () => loadConfig(env),
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
      identity: new HttpIdentityQueries(config.IDENTITY_URL),
      logger,
      // One registry for the app's HTTP metrics and the projector's lag histogram, both on /metrics.
      metrics: createMetricsRegistry(),
      projector: {
        consumerGroup: config.AUDIT_CONSUMER_GROUP,
        fromBeginning: config.AUDIT_FROM_BEGINNING === 'true',
      },
    });
    await audit.projector.start();
    onShutdown(() => audit.projector.stop());
    return audit.app;
  },
});
