import type { SecretBox } from '@identity-store/crypto';
import { createServiceApps, type Logger, recordAppendedPositions, type ServiceTrust } from '@identity-store/http-kit';
import type { PostgresEventStore } from '@identity-store/event-store';
import type { SummaryQueries } from '@identity-store/service-clients';
import type { Registry } from 'prom-client';
import { identityApi, identityInternalRoutes } from './api/identity-api';
import { IdentityService } from './identity-service';

export { IdentityService } from './identity-service';

/** The identity service as one Express app (its own process, or a part of the embedded one). */
export const createIdentityModule = (deps: {
  eventStore: PostgresEventStore;
  summaries: SummaryQueries;
  /** Encrypts push notification policies' private keys at rest (SECRETS_KEY). */
  secrets: SecretBox;
  logger: Logger;
  metrics?: Registry;
  operationalEndpoints?: boolean;
  /** Keys of the distributed layout (grants, internal tokens); without: in-process grants only. */
  trust?: ServiceTrust;
}) => {
  const service = new IdentityService(deps.eventStore, deps.secrets);
  // Writes answer with a Consistency-Token naming what they appended.
  deps.eventStore.onAppended(recordAppendedPositions);
  const { app, admin } = createServiceApps({
    name: 'identity',
    logger: deps.logger,
    metrics: deps.metrics,
    operationalEndpoints: deps.operationalEndpoints,
    trust: { service: 'identity', ...deps.trust },
    consistency: deps.summaries,
    routers: [identityApi(service, deps.summaries), identityInternalRoutes(service)],
    readiness: [{ name: 'database', check: async () => void (await deps.eventStore.prisma.$queryRaw`SELECT 1`) }],
  });
  return { service, app, admin };
};
// The aggregates' evolvers and snapshot policies (the system's snapshot properties run on them).
export { storeSnapshot, userSnapshot } from './domain/identity-snapshots';
export { evolveStore, initialStoreState, PushNotificationPolicySet } from './domain/store';
export { evolveUser, initialUserState } from './domain/user';
