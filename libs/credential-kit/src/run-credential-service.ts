import { commonEnv, distributedServiceEnv, loadConfig, z } from '@identity-store/config';
import { SecretBox } from '@identity-store/crypto';
import {
  openServiceInfrastructure,
  type PostgresEventStore,
  startOutboxRelay,
} from '@identity-store/event-store';
import { type Express, type Logger, runService } from '@identity-store/http-kit';
import {
  HttpIdentityQueries,
  HttpSummaryQueries,
  type IdentityQueries,
  type SummaryQueries,
} from '@identity-store/service-clients';

/** What a credential service's module is made of in the distributed layout. */
export interface CredentialServiceDeps {
  eventStore: PostgresEventStore;
  identity: IdentityQueries;
  summaries: SummaryQueries;
  secrets: SecretBox;
  logger: Logger;
}

const credentialServiceEnv = (defaultPort: number) =>
  distributedServiceEnv(defaultPort).extend({
    /** Credential secrets are encrypted at rest with it: required, and the same on every restart. */
    SECRETS_KEY: commonEnv.shape.SECRETS_KEY.unwrap(),
    IDENTITY_URL: z.string().url(),
    AUDIT_URL: z.string().url(),
  });

/**
 * Distributed mode of a credential service (the process of `apps/<name>/src/main.ts`): its own
 * database, its events to Kafka through the outbox, stores and users from the identity service and
 * summaries from the audit service over HTTP (IDENTITY_URL, AUDIT_URL).
 */
export const runCredentialService = (options: {
  name: string;
  defaultPort: number;
  createApp: (deps: CredentialServiceDeps) => Express;
}): void =>
  void runService({
    name: options.name,
    config: () => loadConfig(credentialServiceEnv(options.defaultPort)),
    start: async (config, { logger, onShutdown }) => {
      const { transport, eventStore } = await openServiceInfrastructure({
        databaseUrl: config.DATABASE_URL,
        brokers: config.KAFKA_BROKERS,
        clientId: `identity-store-${options.name}`,
        logger,
        onShutdown,
      });
      const relay = startOutboxRelay(eventStore, transport, logger);
      onShutdown(() => relay.stop());
      return options.createApp({
        eventStore,
        identity: new HttpIdentityQueries(config.IDENTITY_URL),
        summaries: new HttpSummaryQueries(config.AUDIT_URL),
        secrets: new SecretBox(config.SECRETS_KEY),
        logger,
      });
    },
  });
