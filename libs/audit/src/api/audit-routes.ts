import { type AuthenticationAudit, notFound, type RegistrationAudit, storeNameSchema } from '@identity-store/contracts';
import { operationRouter, pathSegmentSchema, type Request, type Response, Router, validate } from '@identity-store/http-kit';
import { type IdentityQueries, parsePositions, resolveStoreAndUser, userRefOf } from '@identity-store/service-clients';
import { z } from 'zod';
import { AUTHENTICATIONS, type AuditProjector, REGISTRATIONS } from '../audit-projector';
import type { AuditSummaries } from '../audit-service';

const auditParams = z.object({
  storeName: storeNameSchema,
  userId: pathSegmentSchema(128).optional(),
  extId: pathSegmentSchema(128).optional(),
  id: z.string().min(1).max(64),
});

/** Authentication and registration audit records (public) and summaries (internal, service tokens). */
export const auditRoutes = (projector: AuditProjector, summaries: AuditSummaries, identity: IdentityQueries): Router => {
  const router = operationRouter();
  const getAuthentication = async (req: Request, res: Response) => {
    const { params } = validate(req, { params: auditParams });
    const { user } = await resolveStoreAndUser(identity, params.storeName, userRefOf(params));
    const audit = await projector.documents.get<AuthenticationAudit>(AUTHENTICATIONS, params.id);
    if (!audit || audit.userId !== user.id) throw notFound('AUTHENTICATION_NOT_FOUND', `Authentication ${params.id} does not exist.`);
    res.json(audit);
  };
  router.get('/api/identity-store/stores/:storeName/users/:extId/authentications/:id/ext', getAuthentication);
  router.get('/api/identity-store/stores/:storeName/users/:userId/authentications/:id', getAuthentication);

  // A passkey's registration audit (projected from PasskeyRegistrationCompleted, kept after the passkey is deleted).
  const getPasskeyRegistrationAudit = async (req: Request, res: Response) => {
    const { params } = validate(req, { params: auditParams });
    const { user } = await resolveStoreAndUser(identity, params.storeName, userRefOf(params));
    const audit = await projector.documents.get<RegistrationAudit>(REGISTRATIONS, params.id);
    if (!audit || audit.userId !== user.id || audit.type !== 'Passkey')
      throw notFound('REGISTRATION_AUDIT_NOT_FOUND', `No registration audit for passkey ${params.id}.`);
    res.json(audit);
  };
  router.get('/api/identity-store/stores/:storeName/users/:extId/passkeys/:id/registrationAudit/ext', getPasskeyRegistrationAudit);
  router.get('/api/identity-store/stores/:storeName/users/:userId/passkeys/:id/registrationAudit', getPasskeyRegistrationAudit);

  router.get('/internal/summaries/:userId', async (req, res) => {
    res.json(await summaries.getSummary(req.params.userId, parsePositions(req.query.waitFor)));
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
