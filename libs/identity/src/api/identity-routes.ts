import {
  createPasscodePolicyBodySchema,
  createPasskeyConfigBodySchema,
  createStoreBodySchema,
  createTotpPolicyBodySchema,
  createUserBodySchema,
  notFound,
  pageOfItems,
  pageQuerySchema,
  parseSort,
  passkeyConfigSchema,
  passkeyRpIdSchema,
  policyNameSchema,
  type Store,
  storeNameSchema,
  updatePasscodePolicyBodySchema,
  updatePasskeyConfigBodySchema,
  updateStoreBodySchema,
  updateTotpPolicyBodySchema,
  updateUserBodySchema,
  withLegacyKdf,
  type UserRecord,
} from '@identity-store/contracts';
import {
  fieldErrorsOf,
  grantedStores,
  HttpProblem,
  operationRouter,
  pathSegmentSchema,
  type Request,
  requestMetadata,
  requireGrantedStore,
  type Response,
  Router,
  validate,
} from '@identity-store/http-kit';
import { type SummaryQueries, summaryOrStale, toUserView, type UserRef } from '@identity-store/service-clients';
import { z } from 'zod';
import { attributeSchemaProblems } from '../domain/attribute-schema';
import type { KindedStorePolicy, StorePolicyKind, StorePolicyOf } from '../domain/store';
import { storePolicyResource } from '../domain/store-views';
import type { IdentityService, WriteRequest } from '../identity-service';

const storeParams = z.object({ storeName: storeNameSchema });
const userParams = storeParams.extend({ userId: pathSegmentSchema(128) });
const extParams = storeParams.extend({ extId: pathSegmentSchema(128) });


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

/** A write's metadata and the version it expects. */
const writeOf = (req: Request): WriteRequest => ({ metadata: requestMetadata(req), ifMatch: ifMatchOf(req) });

const sendVersioned = (res: Response, status: number, body: unknown, version: number) => {
  res.status(status).setHeader('ETag', `W/"${version}"`);
  res.json(body);
};

/** Policies of a store body (`{ name: policy }`) as a list; the key is the name. */
const policiesOf = <Policy extends object>(input: Record<string, Policy> | undefined) =>
  Object.entries(input ?? {}).map(([name, policy]) => ({ ...policy, name }));
/** Passkey configurations of a store body (`{ rpId: config }`) as a list; the key is the rpId. */
const passkeyConfigsOf = <Config extends object>(input: Record<string, Config> | undefined) =>
  Object.entries(input ?? {}).map(([rpId, config]) => ({ ...config, rpId }));

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ ...before, ...update }` without the entries the update sets to null (RFC 7396 merge patch, one level). */
const mergeEntries = (before: Record<string, unknown>, update: Record<string, unknown>) =>
  Object.fromEntries(Object.entries({ ...before, ...update }).filter(([, value]) => value !== null));

/**
 * The stored policy with a partial update applied: fields left out keep their value, and a nested
 * object is updated entry by entry (a passcode policy's `clientRules` field by field; a passkey
 * configuration's policies by name, each given one replaced as a whole, a null one removed). The result
 * is validated as a whole, because a check across fields (minLength ≤ maxLength, origins against the
 * rpId) may compare a new value with a kept one.
 */
const updatedPolicy = <Policy>(
  current: object,
  update: Record<string, unknown>,
  policySchema: z.ZodType<Policy>,
  /** Nested objects an update replaces as a whole (a passcode policy's `kdf`: another algorithm has other fields). */
  replacedWhole: readonly string[] = [],
): Policy => {
  const previous = current as Record<string, unknown>;
  const merged = Object.fromEntries(
    Object.entries({ ...previous, ...update }).map(([field, value]) => {
      const before = previous[field];
      const mergeable = isPlainObject(value) && isPlainObject(before) && !replacedWhole.includes(field);
      return [field, mergeable ? mergeEntries(before, value) : value];
    }),
  );
  const parsed = policySchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const errors = fieldErrorsOf(parsed.error, 'body');
  throw new HttpProblem(400, 'VALIDATION_FAILED', `The request has ${errors.length} invalid field(s).`, errors);
};

/** What the routes of one kind of store policy need: its path segment, its key parameter and its schemas. */
interface PolicyRouteSchemas<K extends StorePolicyKind> {
  segment: string;
  /** The path parameter of the key (`policyName`, or `rpId`) and its schema. */
  param: 'policyName' | 'rpId';
  key: z.ZodType<string>;
  create: z.ZodType<StorePolicyOf[K]>;
  update: z.ZodType<Record<string, unknown>>;
  /** What an updated policy must be as a whole (the create rules: bounded durations, cross-field checks). */
  policy: z.ZodType<StorePolicyOf[K]>;
  /** A stored policy as the API shows it (fields added since it was stored get their legacy value). */
  stored?: (policy: StorePolicyOf[K]) => StorePolicyOf[K];
  /** See updatedPolicy. */
  replacedWhole?: readonly string[];
}
const policyRouteSchemas: { [K in StorePolicyKind]: PolicyRouteSchemas<K> } = {
  totp: {
    segment: 'totpPolicy',
    param: 'policyName',
    key: policyNameSchema,
    create: createTotpPolicyBodySchema,
    update: updateTotpPolicyBodySchema,
    policy: createTotpPolicyBodySchema,
  },
  passcode: {
    segment: 'passcodePolicy',
    param: 'policyName',
    key: policyNameSchema,
    create: createPasscodePolicyBodySchema,
    update: updatePasscodePolicyBodySchema,
    policy: createPasscodePolicyBodySchema,
    stored: withLegacyKdf,
    replacedWhole: ['kdf'],
  },
  passkey: {
    segment: 'passkeyConfig',
    param: 'rpId',
    key: passkeyRpIdSchema,
    create: createPasskeyConfigBodySchema,
    update: updatePasskeyConfigBodySchema,
    policy: passkeyConfigSchema,
  },
};

/** Public routes of the identity service: stores, their policies, users. */
export const identityRoutes = (identity: IdentityService, summaries: SummaryQueries): Router => {
  const router = operationRouter();
  const base = '/api/identity-store/stores';

  const userView = async (user: UserRecord) => toUserView(user, await summaryOrStale(summaries, user.id));

  router.post(base, async (req, res) => {
    const { body } = validate(req, { body: createStoreBodySchema });
    // The gateway checked the body's name too; the service does not take its word for it.
    requireGrantedStore(req, body.name);
    const schemaErrors = attributeSchemaProblems(body.attributeSchema);
    if (schemaErrors.length) throw new HttpProblem(400, 'VALIDATION_FAILED', 'attributeSchema is not a valid JSON Schema.', schemaErrors);
    const { value, version } = await identity.createStore(
      {
        name: body.name,
        description: body.description,
        attributeSchema: body.attributeSchema ?? null,
        totpPolicies: policiesOf(body.totpPolicies),
        passcodePolicies: policiesOf(body.passcodePolicies),
        passkeyConfigs: passkeyConfigsOf(body.passkeyConfigs),
      },
      { metadata: requestMetadata(req) },
    );
    sendVersioned(res, 201, value, version);
  });

  router.get(base, async (req, res) => {
    const { query } = validate(req, { query: pageQuerySchema });
    const allowed = grantedStores(req);
    const sort = parseSort(query.sort, ['name', 'createdDtm', 'lastUpdatedDtm']);
    if (allowed === null) {
      res.json(await identity.readModels.documents.page<Store>('stores', '', { page: query.page, size: query.size, sort }));
      return;
    }
    // A key limited to some stores (its grant's stores) sees only those.
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
        passcodePolicies: body.passcodePolicies ? policiesOf(body.passcodePolicies) : undefined,
        passkeyConfigs: body.passkeyConfigs ? passkeyConfigsOf(body.passkeyConfigs) : undefined,
      },
      writeOf(req),
    );
    sendVersioned(res, 200, value, version);
  });

  router.delete(`${base}/:storeName`, async (req, res) => {
    const { params } = validate(req, { params: storeParams });
    await identity.changeStore(params.storeName, { type: 'DeleteStore' }, writeOf(req));
    res.status(204).end();
  });

  // ---- store policies, one set of routes per kind (each write answers with the updated store) ----

  const policyRoutes = <K extends StorePolicyKind>(kind: K, schemas: PolicyRouteSchemas<K>) => {
    const collectionPath = `${base}/:storeName/${schemas.segment}`;
    const itemPath = `${collectionPath}/:${schemas.param}`;
    const itemParams = storeParams.extend({ [schemas.param]: schemas.key });
    /** The store name and the policy's key of a validated item path. */
    const itemOf = (params: Record<string, string>) => ({
      storeName: params.storeName ?? '',
      key: params[schemas.param] ?? '',
    });
    // TypeScript does not narrow a generic kind; kind and policy come from the same table entry.
    const kinded = (policy: StorePolicyOf[K]) => ({ kind, policy }) as KindedStorePolicy;

    router.post(collectionPath, async (req, res) => {
      const { params, body } = validate(req, { params: storeParams, body: schemas.create });
      const { value, version } = await identity.changeStore(
        params.storeName,
        { type: 'SetPolicy', mode: 'create', ...kinded(body) },
        { metadata: requestMetadata(req) },
      );
      sendVersioned(res, 201, value, version);
    });

    router.get(itemPath, async (req, res) => {
      const { storeName, key } = itemOf(validate(req, { params: itemParams }).params);
      const { value: store } = await identity.requireStore(storeName);
      const policy = storePolicyResource(store, kind, key);
      res.json(schemas.stored ? schemas.stored(policy) : policy);
    });

    router.post(itemPath, async (req, res) => {
      const { params, body } = validate(req, { params: itemParams, body: schemas.update });
      const { storeName, key } = itemOf(params);
      const { value: store } = await identity.requireStore(storeName);
      const stored = storePolicyResource(store, kind, key);
      const current = schemas.stored ? schemas.stored(stored) : stored;
      const updated = updatedPolicy(current, body, schemas.policy, schemas.replacedWhole);
      const { value, version } = await identity.changeStore(
        storeName,
        { type: 'SetPolicy', mode: 'update', ...kinded(updated) },
        writeOf(req),
      );
      sendVersioned(res, 200, value, version);
    });

    router.delete(itemPath, async (req, res) => {
      const { storeName, key } = itemOf(validate(req, { params: itemParams }).params);
      const { value, version } = await identity.changeStore(
        storeName,
        { type: 'RemovePolicy', kind, name: key },
        writeOf(req),
      );
      sendVersioned(res, 200, value, version);
    });
  };
  policyRoutes('totp', policyRouteSchemas.totp);
  policyRoutes('passcode', policyRouteSchemas.passcode);
  policyRoutes('passkey', policyRouteSchemas.passkey);

  // ---- users ----

  router.post(`${base}/:storeName/users`, async (req, res) => {
    const { params, body } = validate(req, { params: storeParams, body: createUserBodySchema });
    const { value, version } = await identity.createUser(params.storeName, body, { metadata: requestMetadata(req) });
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
        writeOf(req),
      );
      sendVersioned(res, 200, await userView(value), version);
    });
    router.delete(path, async (req, res) => {
      const valid = validate(req, { params });
      await identity.changeUser(valid.params.storeName, refOf(valid.params), { type: 'DeleteUser' }, writeOf(req));
      res.status(204).end();
    });
  };
  userRoutes(`${base}/:storeName/users/:extId/ext`, extParams, (p) => ({ extId: p.extId! }));
  userRoutes(`${base}/:storeName/users/:userId`, userParams, (p) => ({ userId: p.userId! }));

  return router;
};

/** Lookups other services make (not exposed through the gateway; service tokens only). */
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
