import type { PrismaClient } from '@identity-store/event-store';
import { createServiceApps, type Logger, type ServiceTrust } from '@identity-store/http-kit';
import type { MessageTransport } from '@identity-store/messaging';
import type { IdentityQueries } from '@identity-store/service-clients';
import type { Registry } from 'prom-client';
import { auditAdminRoutes, auditApi } from './api/audit-api';
import { AuditProjector, type AuditProjectorOptions } from './audit-projector';
import { AuditRecords } from './audit-records';
import { AuditSummaries } from './audit-service';

export { AuditProjector } from './audit-projector';
export { AuditSummaries } from './audit-service';

/**
 * The audit service: the projector (started by the caller), its public app, and its admin app
 * (metrics, detailed readiness, the projection rebuild; `adminRouter` alone for a process that
 * composes its own admin app).
 */
export const createAuditModule = (deps: {
  prisma: PrismaClient;
  transport: MessageTransport;
  identity: IdentityQueries;
  logger: Logger;
  metrics?: Registry;
  operationalEndpoints?: boolean;
  waitTimeoutMs?: number;
  projector?: AuditProjectorOptions;
  /** Keys of the distributed layout (grants, internal tokens); without: in-process grants only. */
  trust?: ServiceTrust;
}) => {
  const projector = new AuditProjector(deps.prisma, deps.transport, deps.logger, { metrics: deps.metrics, ...deps.projector });
  const summaries = new AuditSummaries(projector, deps.waitTimeoutMs);
  const adminRouter = auditAdminRoutes(projector);
  const { app, admin } = createServiceApps({
    name: 'audit',
    logger: deps.logger,
    metrics: deps.metrics,
    operationalEndpoints: deps.operationalEndpoints,
    trust: { service: 'audit', ...deps.trust },
    consistency: summaries,
    routers: [auditApi(new AuditRecords(projector, deps.identity), summaries)],
    adminRouters: [adminRouter],
    readiness: [
      { name: 'database', check: async () => void (await deps.prisma.$queryRaw`SELECT 1`) },
      // A consumer that crashed for good, or events stuck behind a gap: summaries would go stale.
      { name: 'projection', check: () => projector.checkHealth() },
    ],
  });
  return { projector, summaries, app, admin, adminRouter };
};
