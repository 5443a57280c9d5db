import type { SessionSweeper } from '@identity-store/credential-kit';
import type { PostgresEventStore } from '@identity-store/event-store';
import { createServiceApps, type Logger, type ServiceTrust } from '@identity-store/http-kit';
import type { IdentityQueries, SummaryQueries } from '@identity-store/service-clients';
import type { Registry } from 'prom-client';
import { passkeyApi } from './api/passkey-api';
import { PasskeyService } from './passkey-service';

export { PasskeyService } from './passkey-service';

/** The passkey (WebAuthn) service as one Express app. */
export const createPasskeyModule = (deps: {
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
}) => {
  const service = new PasskeyService(deps.eventStore, deps.identity, deps.summaries, deps.clock);
  const { app, admin } = createServiceApps({
    name: 'passkey',
    logger: deps.logger,
    metrics: deps.metrics,
    operationalEndpoints: deps.operationalEndpoints,
    trust: { service: 'passkey', ...deps.trust },
    routers: [passkeyApi(service)],
    readiness: [
      { name: 'database', check: async () => void (await deps.eventStore.prisma.$queryRaw`SELECT 1`) },
    ],
  });
  deps.sessionSweeper?.add(service.sessions);
  return { service, app, admin };
};
// The aggregates' evolvers and snapshot policies (the system's snapshot properties run on them).
export { evolvePasskey, initialPasskeyUserState } from './domain/passkey';
// Its stored events, for the system's snapshot properties (embedded composes every service).
export { passkeyEvents } from './domain/passkey';
export { passkeySnapshot } from './domain/passkey-snapshot';
