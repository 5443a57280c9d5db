import { auditOperations } from '@identity-store/contracts';
import { mountOperations, ok, parseConsistencyTokens, Router } from '@identity-store/http-kit';
import { userRefOf } from '@identity-store/service-clients';
import type { AuditProjector } from '../audit-projector';
import type { AuditRecords } from '../audit-records';
import type { AuditSummaries } from '../audit-service';

/** Authentication and registration audit records (public) and summaries (internal, service tokens). */
export const auditApi = (records: AuditRecords, summaries: AuditSummaries): Router => {
  const router = Router();
  mountOperations(router, auditOperations, {
    getAuthentication: async ({ params }) =>
      ok(await records.authenticationOf(params.storeName, userRefOf(params), params.id)),
    getPasskeyRegistrationAudit: async ({ params }) =>
      ok(await records.registrationOf(params.storeName, userRefOf(params), 'Passkey', params.id)),
    getAppkeyRegistrationAudit: async ({ params }) =>
      ok(await records.registrationOf(params.storeName, userRefOf(params), 'Appkey', params.id)),
    getBiometricRegistrationAudit: async ({ params }) =>
      ok(await records.registrationOf(params.storeName, userRefOf(params), 'Face', params.id)),
  });
  router.get('/internal/summaries/:userId', async (req, res) => {
    res.json(await summaries.getSummary(req.params.userId));
  });
  router.get('/internal/summaries/:userId/projected', async (req, res) => {
    const stream = typeof req.query.stream === 'string' ? req.query.stream : '';
    res.json(await summaries.getProjectedSummary(req.params.userId, stream));
  });
  // Bounded: answers { applied: false } after CONSISTENCY_WAIT_MS.
  router.get('/internal/progress', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    res.json({ applied: await summaries.awaitApplied(parseConsistencyTokens(token)) });
  });
  return router;
};

/**
 * Operator routes, on the admin listener only (ADMIN_PORT, loopback by default): the rebuild
 * clears every summary and audit record and replays all topics, so no public or service-reachable
 * port may offer it.
 */
export const auditAdminRoutes = (projector: AuditProjector): Router => {
  const router = Router();
  router.post('/admin/projections/rebuild', async (_req, res) => {
    await projector.rebuild();
    res.status(202).json({ status: 'REBUILDING' });
  });
  return router;
};
