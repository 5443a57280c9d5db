import type { SecretBox } from '@identity-store/crypto';
import type { PostgresEventStore } from '@identity-store/event-store';
import { createServiceApps, type Logger, type ServiceTrust } from '@identity-store/http-kit';
import type { IdentityQueries, SummaryQueries } from '@identity-store/service-clients';
import type { Registry } from 'prom-client';
import { totpApi } from './api/totp-api';
import { TotpService } from './totp-service';

export { TotpService } from './totp-service';

/** The TOTP service as one Express app. */
export const createTotpModule = (deps: {
  eventStore: PostgresEventStore;
  identity: IdentityQueries;
  summaries: SummaryQueries;
  secrets: SecretBox;
  logger: Logger;
  metrics?: Registry;
  operationalEndpoints?: boolean;
  /** Keys of the distributed layout (grants, internal tokens); without: in-process grants only. */
  trust?: ServiceTrust;
}) => {
  const service = new TotpService(deps.eventStore, deps.identity, deps.summaries, deps.secrets);
  const { app, admin } = createServiceApps({
    name: 'totp',
    logger: deps.logger,
    metrics: deps.metrics,
    operationalEndpoints: deps.operationalEndpoints,
    trust: { service: 'totp', ...deps.trust },
    routers: [totpApi(service)],
    readiness: [{ name: 'database', check: async () => void (await deps.eventStore.prisma.$queryRaw`SELECT 1`) }],
  });
  return { service, app, admin };
};
// The aggregates' evolvers and snapshot policies (the system's snapshot properties run on them).
export { evolveTotp, initialTotpUserState } from './domain/totp';
// Its stored events, for the system's snapshot properties (embedded composes every service).
export { totpEvents } from './domain/totp';
export { totpSnapshot } from './domain/totp-snapshot';
