import { commonEnv, distributedServiceEnv, loadConfig, storageSettings, z } from '@identity-store/config';
import { SecretBox } from '@identity-store/crypto';
import {
  openServiceInfrastructure,
  type PostgresEventStore,
  startOutboxRelay,
  startOutboxRetention,
} from '@identity-store/event-store';
import {
  InternalTokenIssuer,
  type Logger,
  runService,
  type ServiceApps,
  serviceTrustFrom,
  type ServiceTrust,
} from '@identity-store/http-kit';
import {
  HttpIdentityQueries,
  HttpSummaryQueries,
  type IdentityQueries,
  type SummaryQueries,
} from '@identity-store/service-clients';
import { SessionSweeper } from './session-sweeper';

/** What a credential service's module is made of in the distributed layout. */
export interface CredentialServiceDeps {
  eventStore: PostgresEventStore;
  identity: IdentityQueries;
  summaries: SummaryQueries;
  secrets: SecretBox;
  logger: Logger;
  /** Closes expired ceremony sessions: the module adds its families of sessions to it. */
  sessionSweeper: SessionSweeper;
  /** Verify key of the gateway's grants and the internal token key (see ServiceTrust). */
  trust: ServiceTrust;
  /** The tokens of this service's internal calls, and where the identity service is (for other internal queries). */
  internal: { tokens: InternalTokenIssuer; identityUrl: string };
  /** PUBLIC_BASE_URL: the origin clients reach the API at, for absolute URLs in answers. */
  publicBaseUrl?: string;
}

const credentialServiceEnv = (defaultPort: number) =>
  distributedServiceEnv(defaultPort).extend({
    /** Credential secrets are encrypted at rest with it: required, and the same on every restart. */
    SECRETS_KEY: commonEnv.shape.SECRETS_KEY.unwrap(),
    IDENTITY_URL: z.string().url(),
    AUDIT_URL: z.string().url(),
  });

/** A service whose credentials hold no secrets (passkeys: public keys only) needs no SECRETS_KEY. */
const secretlessServiceEnv = (defaultPort: number) =>
  credentialServiceEnv(defaultPort).extend({ SECRETS_KEY: commonEnv.shape.SECRETS_KEY });

type RunOptions =
  | {
      name: string;
      defaultPort: number;
      keepsSecrets?: true;
      createApp: (deps: CredentialServiceDeps) => ServiceApps;
    }
  | {
      name: string;
      defaultPort: number;
      keepsSecrets: false;
      createApp: (deps: Omit<CredentialServiceDeps, 'secrets'>) => ServiceApps;
    };

/**
 * Distributed mode of a credential service (the process of `apps/<name>/src/main.ts`): its own
 * database, its events to Kafka through the outbox, stores and users from the identity service and
 * summaries from the audit service over HTTP (IDENTITY_URL, AUDIT_URL) with service tokens
 * (INTERNAL_TOKEN_KEY); public operations only with the gateway's grants (GATEWAY_VERIFY_KEY).
 */
export const runCredentialService = (options: RunOptions): void =>
  void runService({
    name: options.name,
    config: () => {
      const config = loadConfig(
        options.keepsSecrets === false
          ? secretlessServiceEnv(options.defaultPort)
          : credentialServiceEnv(options.defaultPort),
      );
      // Parsed here so that a bad key stops the process at once, with the variable's name.
      return {
        ...config,
        trust: serviceTrustFrom(config),
      };
    },
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
      const storage = storageSettings(config);
      const retention = startOutboxRetention(
        eventStore.prisma,
        { retentionMs: storage.outboxRetentionMs },
        logger,
      );
      onShutdown(() => retention.stop());
      // Its first run is an interval away: the module adds its families of sessions before that.
      const sessionSweeper = new SessionSweeper(storage.sessionSweep, logger).start();
      onShutdown(() => sessionSweeper.stop());
      const tokens = new InternalTokenIssuer(options.name, config.trust.internalTokenKey);
      const deps = {
        eventStore,
        identity: new HttpIdentityQueries(config.IDENTITY_URL, { tokens }),
        summaries: new HttpSummaryQueries(config.AUDIT_URL, { tokens, waitTimeoutMs: config.CONSISTENCY_WAIT_MS }),
        logger,
        sessionSweeper,
        trust: config.trust,
        internal: { tokens, identityUrl: config.IDENTITY_URL },
        ...(config.PUBLIC_BASE_URL ? { publicBaseUrl: config.PUBLIC_BASE_URL } : {}),
      };
      if (options.keepsSecrets === false) return options.createApp(deps);
      // credentialServiceEnv requires it: unreachable, but the type cannot tell the two envs apart.
      if (!config.SECRETS_KEY) throw new Error('SECRETS_KEY is required');
      return options.createApp({ ...deps, secrets: new SecretBox(config.SECRETS_KEY) });
    },
  });
