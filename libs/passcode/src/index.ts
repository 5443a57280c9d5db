import type { SecretBox } from '@identity-store/crypto';
import type { SessionSweeper } from '@identity-store/credential-kit';
import type { PostgresEventStore } from '@identity-store/event-store';
import { createServiceApps, type Logger, type ServiceTrust } from '@identity-store/http-kit';
import type { IdentityQueries, SummaryQueries } from '@identity-store/service-clients';
import type { Registry } from 'prom-client';
import { passcodeApi } from './api/passcode-api';
import { PasscodeService } from './passcode-service';

export { PasscodeService } from './passcode-service';

/** The passcode (SRP-6a) service as one Express app. */
export const createPasscodeModule = (deps: {
  eventStore: PostgresEventStore;
  identity: IdentityQueries;
  summaries: SummaryQueries;
  secrets: SecretBox;
  logger: Logger;
  metrics?: Registry;
  operationalEndpoints?: boolean;
  /** Keys of the distributed layout (grants, internal tokens); without: in-process grants only. */
  trust?: ServiceTrust;
  clock?: () => Date;
  /** Closes the service's expired ceremony sessions (whoever runs the process starts it). */
  sessionSweeper?: SessionSweeper;
}) => {
  const service = new PasscodeService(
    deps.eventStore,
    deps.identity,
    deps.summaries,
    deps.secrets,
    deps.clock,
  );
  const { app, admin } = createServiceApps({
    name: 'passcode',
    logger: deps.logger,
    metrics: deps.metrics,
    operationalEndpoints: deps.operationalEndpoints,
    trust: { service: 'passcode', ...deps.trust },
    routers: [passcodeApi(service)],
    readiness: [
      { name: 'database', check: async () => void (await deps.eventStore.prisma.$queryRaw`SELECT 1`) },
    ],
  });
  deps.sessionSweeper?.add(service.sessions);
  return { service, app, admin };
};
// The aggregates' evolvers and snapshot policies (the system's snapshot properties run on them).
export { evolvePasscode, initialPasscodeUserState } from './domain/passcode';
// Its stored events, for the system's snapshot properties (embedded composes every service).
export { passcodeEvents } from './domain/passcode';
export { passcodeSnapshot } from './domain/passcode-snapshot';
