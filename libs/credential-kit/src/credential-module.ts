import type { ServiceName } from '@identity-store/contracts';
import type { PostgresEventStore } from '@identity-store/event-store';
import {
  createServiceApps,
  type Logger,
  recordAppendedPositions,
  type ServiceAppOptions,
  type ServiceTrust,
} from '@identity-store/http-kit';
import type { IdentityQueries, SummaryQueries } from '@identity-store/service-clients';
import type { Registry } from 'prom-client';
import type { ExpiringSessions, SessionSweeper } from './session-sweeper';

/**
 * What a credential module (`create<X>Module` of libs/totp, libs/passcode, libs/passkey, …) is
 * given, by apps/embedded and by the distributed process (runCredentialService). A service that
 * keeps secrets also takes a SecretBox.
 */
export interface CredentialModuleDeps {
  eventStore: PostgresEventStore;
  identity: IdentityQueries;
  summaries: SummaryQueries;
  logger: Logger;
  metrics?: Registry;
  operationalEndpoints?: boolean;
  /** Keys of the distributed layout (grants, internal tokens); without: in-process grants only. */
  trust?: ServiceTrust;
  clock?: () => Date;
  /** Closes the service's expired ceremony sessions (whoever runs the process starts it). */
  sessionSweeper?: SessionSweeper;
}

/**
 * A credential service as one Express app (and its admin app): its handlers behind the trust
 * boundary, ready when its database answers, and its ceremony sessions, if it has any, on the
 * process's session sweeper. Writes answer with a Consistency-Token naming what they appended;
 * reads that send one wait for the audit projection first.
 */
export const createCredentialModule = <Service>(options: {
  name: ServiceName;
  service: Service;
  /** The service's handlers (`<x>Api(service)`). */
  api: ServiceAppOptions['routers'][number];
  deps: Pick<
    CredentialModuleDeps,
    'eventStore' | 'summaries' | 'logger' | 'metrics' | 'operationalEndpoints' | 'trust' | 'sessionSweeper'
  >;
  /** The service's open ceremony sessions (absent: it has none). */
  sessions?: ExpiringSessions;
  /** Readiness checks besides its database (e.g. models loaded). */
  readiness?: Array<{ name: string; check: () => Promise<void> }>;
}) => {
  const { name, service, api, deps, sessions } = options;
  const { app, admin } = createServiceApps({
    name,
    logger: deps.logger,
    metrics: deps.metrics,
    operationalEndpoints: deps.operationalEndpoints,
    trust: { service: name, ...deps.trust },
    consistency: deps.summaries,
    routers: [api],
    readiness: [
      { name: 'database', check: async () => void (await deps.eventStore.prisma.$queryRaw`SELECT 1`) },
      ...(options.readiness ?? []),
    ],
  });
  deps.eventStore.onAppended(recordAppendedPositions);
  if (sessions) deps.sessionSweeper?.add(sessions);
  return { service, app, admin };
};
