/**
 * Distributed mode: the TOTP service as its own process, with its own database. Its events reach
 * Kafka through the outbox; stores and users come from the identity service, summaries from the
 * audit service, both over HTTP.
 */
import { commonEnv, distributedServiceEnv, loadConfig, z } from '@identity-store/config';
import { SecretBox } from '@identity-store/crypto';
import { openServiceInfrastructure, startOutboxRelay } from '@identity-store/event-store';
import { runService } from '@identity-store/http-kit';
import { HttpIdentityQueries, HttpSummaryQueries } from '@identity-store/service-clients';
import { createTotpModule } from './index';

const env = distributedServiceEnv(8082).extend({
  /** TOTP secrets are encrypted at rest with it: required, and the same on every restart. */
  SECRETS_KEY: commonEnv.shape.SECRETS_KEY.unwrap(),
  IDENTITY_URL: z.string().url(),
  AUDIT_URL: z.string().url(),
});

void runService({
  name: 'totp',
  config: () => loadConfig(env),
  start: async (config, { logger, onShutdown }) => {
    const { transport, eventStore } = await openServiceInfrastructure({
      databaseUrl: config.DATABASE_URL,
      brokers: config.KAFKA_BROKERS,
      clientId: 'identity-store-totp',
      logger,
      onShutdown,
    });

    const relay = startOutboxRelay(eventStore, transport, logger);
    onShutdown(() => relay.stop());

    return createTotpModule({
      eventStore,
      identity: new HttpIdentityQueries(config.IDENTITY_URL),
      summaries: new HttpSummaryQueries(config.AUDIT_URL),
      secrets: new SecretBox(config.SECRETS_KEY),
      logger,
    }).app;
  },
});
