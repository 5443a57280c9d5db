import { defineOperations, USER_PATH } from '@identity-store/contracts';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { z } from 'zod';
import { attachInProcessGrant, createLogger, createServiceApps, type GrantClaims, ok, operationsRouter } from './index';

const logger = createLogger('operations-unit', 'silent');
const S = '/api/identity-store/stores';

/** A slice of the TOTP table: a user-scoped operation with a body and one with a query. */
const table = defineOperations({
  authenticateTotp: {
    method: 'POST',
    path: `${USER_PATH}/totps/authentications/{policyName}`,
    service: 'totp',
    summary: 'Authenticate with a TOTP code',
    body: z.strictObject({ code: z.string().regex(/^\d{6}$/) }),
    responses: { 200: null },
  },
  notYet: { method: 'POST', path: `${USER_PATH}/totps/later`, service: 'totp', summary: 'Later', implemented: false },
});

const app = (op: string) => {
  const router = operationsRouter(table, {
    authenticateTotp: async ({ params, body }) => ok({ params, body }),
  });
  const service = createServiceApps({ name: 'totp', logger, routers: [router], trust: { service: 'totp' } }).app;
  const claims: GrantClaims = { aud: 'totp', op, perm: `IdentityStore:${op.replace(/ByExtId$/, '')}`, stores: null, sub: 'k-1' };
  const outer = express();
  outer.use((req: Request, res: Response, next: NextFunction) => {
    attachInProcessGrant(req, claims);
    service(req, res, next);
  });
  return outer;
};

describe('mountOperations', () => {
  it('serves a user-scoped row by internal and by external id, with the validated params and body', async () => {
    const byId = await request(app('authenticateTotp'))
      .post(`${S}/acme/users/u-1/totps/authentications/main`)
      .send({ code: '123456' });
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual({ params: { storeName: 'acme', userId: 'u-1', policyName: 'main' }, body: { code: '123456' } });

    const byExtId = await request(app('authenticateTotpByExtId'))
      .post(`${S}/acme/users/alice/totps/authentications/main/ext`)
      .send({ code: '123456' });
    expect(byExtId.status).toBe(200);
    expect(byExtId.body.params).toEqual({ storeName: 'acme', extId: 'alice', policyName: 'main' });
  });

  it('refuses a request with every bad field named, before the handler runs', async () => {
    const response = await request(app('authenticateTotp'))
      .post(`${S}/acme/users/../totps/authentications/bad_policy!`.replace('/../', '/%2E%2E/'))
      .send({ code: 'x', extra: 1 });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    const paths = (response.body.errors as { path: string }[]).map((error) => error.path);
    expect(paths).toEqual(expect.arrayContaining(['params.userId', 'params.policyName', 'body.code']));
  });

  it('refuses a request granted for another operation', async () => {
    const response = await request(app('authenticateTotpByExtId'))
      .post(`${S}/acme/users/u-1/totps/authentications/main`)
      .send({ code: '123456' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('OPERATION_NOT_GRANTED');
  });

  it('needs a handler for every implemented row, and none for the others', () => {
    expect(() => operationsRouter(table, {} as never)).toThrow('no handler for the operation authenticateTotp');
    expect(() => operationsRouter(table, { authenticateTotp: async () => ok({}) })).not.toThrow();
  });
});
