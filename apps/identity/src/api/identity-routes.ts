import {
  createStoreBodySchema,
  createTotpPolicyBodySchema,
  createUserBodySchema,
  notFound,
  pageOfItems,
  pageQuerySchema,
  parseSort,
  policyNameSchema,
  type Store,
  storeNameSchema,
  totpPolicySchema,
  updateStoreBodySchema,
  updateTotpPolicyBodySchema,
  updateUserBodySchema,
  type UserRecord,
} from '@identity-store/contracts';
import { HttpProblem, type Request, type Response, Router, validate } from '@identity-store/http-kit';
import { type SummaryQueries, toUserView, type UserRef } from '@identity-store/service-clients';
import { z } from 'zod';
import { attributeSchemaProblems } from '../domain/attribute-schema';
import type { IdentityService } from '../identity-service';

const storeParams = z.object({ storeName: storeNameSchema });
const policyParams = storeParams.extend({ policyName: policyNameSchema });
const userParams = storeParams.extend({ userId: z.string().min(1).max(128) });
const extParams = storeParams.extend({ extId: z.string().min(1).max(128) });

const metadataOf = (req: Request) => ({ correlationId: req.correlationId, causationId: req.requestId });

/** `If-Match: W/"3"` → 3 (absent → undefined; anything else → 400). */
const ifMatchOf = (req: Request): number | undefined => {
  const header = req.header('if-match');
  if (!header) return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!match) throw new HttpProblem(400, 'VALIDATION_FAILED', 'If-Match must be an ETag such as W/"3".', [
    { path: 'headers.if-match', message: 'must be W/"<version>"' },
  ]);
  return Number(match[1]);
};

const sendVersioned = (res: Response, status: number, body: unknown, version: number) => {
  res.status(status).setHeader('ETag', `W/"${version}"`);
  res.json(body);
};

const policiesOf = (input: Record<string, z.output<typeof totpPolicySchema> | Omit<z.output<typeof totpPolicySchema>, 'name'>> | undefined) =>
  Object.entries(input ?? {}).map(([name, policy]) => ({ ...policy, name }));

/** Public routes of the identity service: stores, their TOTP policies, users. */
export const identityRoutes = (identity: IdentityService, summaries: SummaryQueries): Router => {
  const router = Router();
  const base = '/api/identity-store/stores';

  const userView = async (user: UserRecord) => toUserView(user, await summaries.getSummary(user.id));

  router.post(base, async (req, res) => {
    const { body } = validate(req, { body: createStoreBodySchema });
    const schemaErrors = attributeSchemaProblems(body.attributeSchema);
    if (schemaErrors.length) throw new HttpProblem(400, 'VALIDATION_FAILED', 'attributeSchema is not a valid JSON Schema.', schemaErrors);
    const { value, version } = await identity.createStore(
      {
        name: body.name,
        description: body.description,
        attributeSchema: body.attributeSchema ?? null,
        totpPolicies: policiesOf(body.totpPolicies),
      },
      metadataOf(req),
    );
    sendVersioned(res, 201, value, version);
  });

  router.get(base, async (req, res) => {
    const { query } = validate(req, { query: pageQuerySchema });
    const allowedHeader = req.header('x-allowed-stores');
    const sort = parseSort(query.sort, ['name', 'createdDtm', 'lastUpdatedDtm']);
    if (!allowedHeader) {
      res.json(await identity.readModels.documents.page<Store>('stores', '', { page: query.page, size: query.size, sort }));
      return;
    }
    // A key limited to some stores sees only those.
    const allowed = z.array(z.string()).catch([]).parse(JSON.parse(allowedHeader));
    const stores = (await Promise.all(allowed.map((name) => identity.readModels.storeByName(name)))).filter(
      (store): store is Store => store !== null,
    );
    const ordered = sort
      ? stores.sort((a, b) => String(a[sort.field as keyof Store]).localeCompare(String(b[sort.field as keyof Store])) * (sort.direction === 'desc' ? -1 : 1))
      : stores;
    res.json(pageOfItems(ordered, query));
  });

  router.get(`${base}/:storeName`, async (req, res) => {
    const { params } = validate(req, { params: storeParams });
    const { value, version } = await identity.requireStore(params.storeName);
    sendVersioned(res, 200, value, version);
  });

  router.post(`${base}/:storeName`, async (req, res) => {
    const { params, body } = validate(req, { params: storeParams, body: updateStoreBodySchema });
    const schemaErrors = attributeSchemaProblems(body.attributeSchema);
    if (schemaErrors.length) throw new HttpProblem(400, 'VALIDATION_FAILED', 'attributeSchema is not a valid JSON Schema.', schemaErrors);
    const { value, version } = await identity.changeStore(
      params.storeName,
      {
        type: 'UpdateStore',
        description: body.description,
        attributeSchema: body.attributeSchema,
        totpPolicies: body.totpPolicies ? policiesOf(body.totpPolicies) : undefined,
      },
      metadataOf(req),
      ifMatchOf(req),
    );
    sendVersioned(res, 200, value, version);
  });

  router.delete(`${base}/:storeName`, async (req, res) => {
    const { params } = validate(req, { params: storeParams });
    await identity.changeStore(params.storeName, { type: 'DeleteStore' }, metadataOf(req), ifMatchOf(req));
    res.status(204).end();
  });

  // ---- TOTP policies (each write answers with the updated store) ----

  router.post(`${base}/:storeName/totpPolicy`, async (req, res) => {
    const { params, body } = validate(req, { params: storeParams, body: createTotpPolicyBodySchema });
    const { value, version } = await identity.changeStore(
      params.storeName,
      { type: 'SetTotpPolicy', policy: body, mode: 'create' },
      metadataOf(req),
    );
    sendVersioned(res, 201, value, version);
  });

  router.get(`${base}/:storeName/totpPolicy/:policyName`, async (req, res) => {
    const { params } = validate(req, { params: policyParams });
    const { value: store } = await identity.requireStore(params.storeName);
    const policy = store.totpPolicies[params.policyName];
    if (!policy) throw notFound('POLICY_NOT_FOUND', `TOTP policy ${params.policyName} does not exist.`);
    res.json(policy);
  });

  router.post(`${base}/:storeName/totpPolicy/:policyName`, async (req, res) => {
    const { params, body } = validate(req, { params: policyParams, body: updateTotpPolicyBodySchema });
    const { value: store } = await identity.requireStore(params.storeName);
    const current = store.totpPolicies[params.policyName];
    if (!current) throw notFound('POLICY_NOT_FOUND', `TOTP policy ${params.policyName} does not exist.`);
    const { value, version } = await identity.changeStore(
      params.storeName,
      { type: 'SetTotpPolicy', policy: { ...current, ...body }, mode: 'update' },
      metadataOf(req),
      ifMatchOf(req),
    );
    sendVersioned(res, 200, value, version);
  });

  router.delete(`${base}/:storeName/totpPolicy/:policyName`, async (req, res) => {
    const { params } = validate(req, { params: policyParams });
    const { value, version } = await identity.changeStore(
      params.storeName,
      { type: 'RemoveTotpPolicy', name: params.policyName },
      metadataOf(req),
      ifMatchOf(req),
    );
    sendVersioned(res, 200, value, version);
  });

  // ---- users ----

  router.post(`${base}/:storeName/users`, async (req, res) => {
    const { params, body } = validate(req, { params: storeParams, body: createUserBodySchema });
    const { value, version } = await identity.createUser(params.storeName, body, metadataOf(req));
    sendVersioned(res, 201, await userView(value), version);
  });

  router.get(`${base}/:storeName/users`, async (req, res) => {
    const { params, query } = validate(req, { params: storeParams, query: pageQuerySchema });
    const { value: store } = await identity.requireStore(params.storeName);
    const sort = parseSort(query.sort, ['extId', 'status', 'createdDtm', 'lastUpdatedDtm']);
    const page = await identity.readModels.documents.page<UserRecord>('users', store.id, { page: query.page, size: query.size, sort });
    res.json({ ...page, content: await Promise.all(page.content.map(userView)) });
  });

  const userRoutes = (path: string, params: typeof userParams | typeof extParams, refOf: (p: Record<string, string>) => UserRef) => {
    router.get(path, async (req, res) => {
      const valid = validate(req, { params });
      const { value, version } = await identity.requireUser(valid.params.storeName, refOf(valid.params));
      sendVersioned(res, 200, await userView(value), version);
    });
    router.post(path, async (req, res) => {
      const valid = validate(req, { params, body: updateUserBodySchema });
      const { value, version } = await identity.changeUser(
        valid.params.storeName,
        refOf(valid.params),
        { type: 'UpdateUser', ...valid.body },
        metadataOf(req),
        ifMatchOf(req),
      );
      sendVersioned(res, 200, await userView(value), version);
    });
    router.delete(path, async (req, res) => {
      const valid = validate(req, { params });
      await identity.changeUser(valid.params.storeName, refOf(valid.params), { type: 'DeleteUser' }, metadataOf(req), ifMatchOf(req));
      res.status(204).end();
    });
  };
  userRoutes(`${base}/:storeName/users/:extId/ext`, extParams, (p) => ({ extId: p.extId! }));
  userRoutes(`${base}/:storeName/users/:userId`, userParams, (p) => ({ userId: p.userId! }));

  return router;
};

/** Lookups other services make (not exposed through the gateway). */
export const identityInternalRoutes = (identity: IdentityService): Router => {
  const router = Router();
  router.get('/internal/stores/:storeName', async (req, res) => {
    const store = await identity.getStoreByName(req.params.storeName);
    if (!store) throw notFound('STORE_NOT_FOUND', 'Store does not exist.');
    res.json(store);
  });
  router.get('/internal/stores/:storeId/users/ext/:extId', async (req, res) => {
    const user = await identity.getUser(req.params.storeId, { extId: req.params.extId });
    if (!user) throw notFound('USER_NOT_FOUND', 'User does not exist.');
    res.json(user);
  });
  router.get('/internal/stores/:storeId/users/:userId', async (req, res) => {
    const user = await identity.getUser(req.params.storeId, { userId: req.params.userId });
    if (!user) throw notFound('USER_NOT_FOUND', 'User does not exist.');
    res.json(user);
  });
  return router;
};
