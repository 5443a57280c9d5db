import {
  appkeyConfigSchema,
  biometricPolicyBodySchema,
  createPasscodePolicyBodySchema,
  createPushNotificationPolicyBodySchema,
  createTotpPolicyBodySchema,
  effectiveBiometricPolicy,
  identityOperations,
  isPlainObject,
  notFound,
  passkeyConfigSchema,
  trustedFacetsOf,
  type UserRecord,
  withLegacyKdf,
  withoutReadOnlyUserFields,
} from '@identity-store/contracts';
import {
  fieldErrorsOf,
  grantedStores,
  HttpProblem,
  mountOperations,
  noContent,
  type OperationRequest,
  type Reply,
  type Request,
  requireGrantedStore,
  Router,
} from '@identity-store/http-kit';
import { type SummaryQueries, summaryOrStale, toUserView, userRefOf } from '@identity-store/service-clients';
import type { z } from 'zod';
import { attributeSchemaProblems } from '../domain/attribute-schema';
import type { StorePolicyKind } from '../domain/store';
import type { StorePolicyViewOf } from '../domain/store-views';
import type { IdentityService, WriteRequest } from '../identity-service';

/** What the handlers use of the identity service (on any storage: PostgreSQL, or in memory in unit specs). */
type IdentityUseCases = Pick<
  IdentityService,
  | 'clock'
  | 'createStore'
  | 'listStores'
  | 'requireStore'
  | 'changeStore'
  | 'policyOf'
  | 'pushPolicyInput'
  | 'createUser'
  | 'listUsers'
  | 'requireUser'
  | 'changeUser'
  | 'getStoreByName'
  | 'getUser'
  | 'getPushCredentials'
>;
import type { KindedStorePolicyInput, StorePolicyInputOf } from '../store-policy-inputs';

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
const writeOf = (metadata: WriteRequest['metadata'], req: Request): WriteRequest => ({ metadata, ifMatch: ifMatchOf(req) });

/** A resource with its version as weak ETag. */
const versioned = (status: number, body: unknown, version: number): Reply => ({
  status,
  body,
  headers: { ETag: `W/"${version}"` },
});

const requireValidAttributeSchema = (attributeSchema: unknown) => {
  const schemaErrors = attributeSchemaProblems(attributeSchema as Parameters<typeof attributeSchemaProblems>[0]);
  if (schemaErrors.length) throw new HttpProblem(400, 'VALIDATION_FAILED', 'attributeSchema is not a valid JSON Schema.', schemaErrors);
};

/** Policies of a store body (`{ name: policy }`) as a list; the key is the name. */
const policiesOf = <Policy extends object>(input: Record<string, Policy> | undefined) =>
  Object.entries(input ?? {}).map(([name, policy]) => ({ ...policy, name }));
/** Configurations or push policies of a store body (`{ rpId: config }`) as a list; the key is the rpId. */
const configsOf = <Config extends object>(input: Record<string, Config> | undefined) =>
  Object.entries(input ?? {}).map(([rpId, config]) => ({ ...config, rpId }));

/** How long a client or proxy may keep a TrustedFacets list (FIDO clients honour HTTP caching). */
const TRUSTED_FACETS_MAX_AGE_SECONDS = 300;

/** `{ ...before, ...update }` without the entries the update sets to null (RFC 7396 merge patch, one level). */
const mergeEntries = (before: Record<string, unknown>, update: Record<string, unknown>) =>
  Object.fromEntries(Object.entries({ ...before, ...update }).filter(([, value]) => value !== null));

/**
 * The stored policy with a partial update applied: fields left out keep their value, and a nested
 * object is updated entry by entry (a passcode policy's `clientRules` field by field; a passkey
 * configuration's policies by name, each given one replaced as a whole, a null one removed; a push
 * policy's provider config field by field). The result is validated as a whole, because a check
 * across fields (minLength ≤ maxLength, origins against the rpId, at least one push provider) may
 * compare a new value with a kept one.
 */
const updatedPolicy = <Policy>(
  current: object,
  update: Record<string, unknown>,
  policySchema: z.ZodType<Policy>,
  { replacedWhole = [], removedByNull = [] }: Pick<PolicyRules<StorePolicyKind>, 'replacedWhole' | 'removedByNull'> = {},
): Policy => {
  const previous = current as Record<string, unknown>;
  const merged = Object.fromEntries(
    Object.entries({ ...previous, ...update }).flatMap(([field, value]) => {
      if (value === null && removedByNull.includes(field)) return [];
      const before = previous[field];
      const mergeable = isPlainObject(value) && isPlainObject(before) && !replacedWhole.includes(field);
      return [[field, mergeable ? mergeEntries(before, value) : value]];
    }),
  );
  const parsed = policySchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const errors = fieldErrorsOf(parsed.error, 'body');
  throw new HttpProblem(400, 'VALIDATION_FAILED', `The request has ${errors.length} invalid field(s).`, errors);
};

/** How the operations of one kind of store policy read their key and check an updated policy. */
interface PolicyRules<K extends StorePolicyKind> {
  /** The path parameter of the key (`policyName`, or `rpId`). */
  param: 'policyName' | 'rpId';
  /** What an updated policy must be as a whole (the create rules: bounded durations, cross-field checks). */
  policy: z.ZodType<StorePolicyInputOf[K]>;
  /** A stored policy as the API shows it (fields added since it was stored get their legacy value). */
  stored?: (policy: StorePolicyViewOf[K]) => StorePolicyViewOf[K];
  /**
   * What an update applies to, when not the policy as shown: a push policy with its keys (an update
   * that leaves a provider's `privateKey` out keeps it).
   */
  current?: (identity: IdentityUseCases, storeName: string, key: string) => Promise<object>;
  /** Nested objects an update replaces as a whole (a passcode policy's `kdf`: another algorithm has other fields). */
  replacedWhole?: readonly string[];
  /** Optional fields an update removes with `null` (a push provider, an appkey configuration's certificates). */
  removedByNull?: readonly string[];
}
const policyRules: { [K in StorePolicyKind]: PolicyRules<K> } = {
  totp: { param: 'policyName', policy: createTotpPolicyBodySchema },
  passcode: { param: 'policyName', policy: createPasscodePolicyBodySchema, stored: withLegacyKdf, replacedWhole: ['kdf'] },
  passkey: { param: 'rpId', policy: passkeyConfigSchema },
  appkey: { param: 'rpId', policy: appkeyConfigSchema, removedByNull: ['attestationRootCertificates'] },
  push: {
    param: 'rpId',
    policy: createPushNotificationPolicyBodySchema,
    current: (identity, storeName, rpId) => identity.pushPolicyInput(storeName, rpId),
    removedByNull: ['apnsConfig', 'fcmConfig'],
  },
};

/** A policy operation's request, whatever its kind (the table validated it with the kind's schemas). */
interface PolicyRequest {
  params: Record<string, string | undefined>;
  body: unknown;
  metadata: OperationRequest<never>['metadata'];
  req: Request;
}

/** The four operations of one kind of store policy; each write answers with the updated store. */
const policyHandlers = <K extends StorePolicyKind>(identity: IdentityUseCases, kind: K) => {
  const rules = policyRules[kind] as PolicyRules<K>;
  const keyOf = (params: PolicyRequest['params']) => ({ storeName: params.storeName ?? '', key: params[rules.param] ?? '' });
  // TypeScript does not narrow a generic kind; kind and policy come from the same table entry.
  const kinded = (policy: StorePolicyInputOf[K]) => ({ kind, policy }) as KindedStorePolicyInput;
  const shown = (policy: StorePolicyViewOf[K]) => (rules.stored ? rules.stored(policy) : policy);
  const current = (storeName: string, key: string): Promise<object> =>
    rules.current ? rules.current(identity, storeName, key) : identity.policyOf(storeName, kind, key, { fresh: true }).then(shown);
  return {
    create: async ({ params, body, metadata }: PolicyRequest): Promise<Reply> => {
      const { value, version } = await identity.changeStore(
        params.storeName ?? '',
        { type: 'SetPolicy', mode: 'create', ...kinded(body as StorePolicyInputOf[K]) },
        { metadata },
      );
      return versioned(201, value, version);
    },
    get: async ({ params }: PolicyRequest): Promise<Reply> => {
      const { storeName, key } = keyOf(params);
      return { body: shown(await identity.policyOf(storeName, kind, key)) };
    },
    update: async ({ params, body, metadata, req }: PolicyRequest): Promise<Reply> => {
      const { storeName, key } = keyOf(params);
      const updated = updatedPolicy(await current(storeName, key), body as Record<string, unknown>, rules.policy, rules);
      const { value, version } = await identity.changeStore(
        storeName,
        { type: 'SetPolicy', mode: 'update', ...kinded(updated) },
        writeOf(metadata, req),
      );
      return versioned(200, value, version);
    },
    remove: async ({ params, metadata, req }: PolicyRequest): Promise<Reply> => {
      const { storeName, key } = keyOf(params);
      const { value, version } = await identity.changeStore(
        storeName,
        { type: 'RemovePolicy', kind, name: key },
        writeOf(metadata, req),
      );
      return versioned(200, value, version);
    },
  };
};

/** Public operations of the identity service: stores, their policies, users. */
export const identityApi = (identity: IdentityUseCases, summaries: SummaryQueries): Router => {
  const userView = async (user: UserRecord) =>
    toUserView(user, await summaryOrStale(summaries, user.id), identity.clock());
  const totp = policyHandlers(identity, 'totp');
  const passcode = policyHandlers(identity, 'passcode');
  const passkey = policyHandlers(identity, 'passkey');
  const appkey = policyHandlers(identity, 'appkey');
  const push = policyHandlers(identity, 'push');
  const ops = identityOperations;

  return mountOperations(Router(), identityOperations, {
    // ---- stores ----
    createStore: async ({ body, metadata, req }) => {
      // The gateway checked the body's name too; the service does not take its word for it.
      requireGrantedStore(req, body.name);
      requireValidAttributeSchema(body.attributeSchema);
      const { value, version } = await identity.createStore(
        {
          name: body.name,
          description: body.description,
          attributeSchema: body.attributeSchema ?? null,
          totpPolicies: policiesOf(body.totpPolicies),
          passcodePolicies: policiesOf(body.passcodePolicies),
          passkeyConfigs: configsOf(body.passkeyConfigs),
          appkeyConfigs: configsOf(body.appkeyConfigs),
          pushNotificationPolicies: configsOf(body.pushNotificationPolicies),
          biometricPolicy: body.biometricPolicy,
        },
        { metadata },
      );
      return versioned(201, value, version);
    },
    listStores: async ({ query, req }) => ({
      body: await identity.listStores(grantedStores(req), query, ops.listStores.sortFields),
    }),
    getStore: async ({ params }) => {
      const { value, version } = await identity.requireStore(params.storeName);
      return versioned(200, value, version);
    },
    updateStore: async ({ params, body, metadata, req }) => {
      requireValidAttributeSchema(body.attributeSchema);
      const { value, version } = await identity.changeStore(
        params.storeName,
        {
          type: 'UpdateStore',
          description: body.description,
          attributeSchema: body.attributeSchema,
          totpPolicies: body.totpPolicies ? policiesOf(body.totpPolicies) : undefined,
          passcodePolicies: body.passcodePolicies ? policiesOf(body.passcodePolicies) : undefined,
          passkeyConfigs: body.passkeyConfigs ? configsOf(body.passkeyConfigs) : undefined,
          appkeyConfigs: body.appkeyConfigs ? configsOf(body.appkeyConfigs) : undefined,
          pushNotificationPolicies: body.pushNotificationPolicies ? configsOf(body.pushNotificationPolicies) : undefined,
          biometricPolicy: body.biometricPolicy,
        },
        writeOf(metadata, req),
      );
      return versioned(200, value, version);
    },
    deleteStore: async ({ params, metadata, req }) => {
      await identity.changeStore(params.storeName, { type: 'DeleteStore' }, writeOf(metadata, req));
      return noContent();
    },

    // ---- store policies ----
    createTotpPolicy: totp.create,
    getTotpPolicy: totp.get,
    updateTotpPolicy: totp.update,
    deleteTotpPolicy: totp.remove,
    createPasscodePolicy: passcode.create,
    getPasscodePolicy: passcode.get,
    updatePasscodePolicy: passcode.update,
    deletePasscodePolicy: passcode.remove,
    createPasskeyConfig: passkey.create,
    getPasskeyConfig: passkey.get,
    updatePasskeyConfig: passkey.update,
    deletePasskeyConfig: passkey.remove,
    createAppkeyConfig: appkey.create,
    getAppkeyConfig: appkey.get,
    updateAppkeyConfig: appkey.update,
    deleteAppkeyConfig: appkey.remove,
    createPushNotificationPolicy: push.create,
    getPushNotificationPolicy: push.get,
    updatePushNotificationPolicy: push.update,
    deletePushNotificationPolicy: push.remove,
    // The store's one biometric policy: answered as it applies (the stored one, else the defaults).
    getBiometricPolicy: async ({ params }) => {
      const { value, version } = await identity.requireStore(params.storeName);
      return versioned(200, effectiveBiometricPolicy(value.biometricPolicy), version);
    },
    setBiometricPolicy: async ({ params, body, metadata, req }) => {
      const { value: store } = await identity.requireStore(params.storeName, { fresh: true });
      const policy = updatedPolicy(effectiveBiometricPolicy(store.biometricPolicy), body, biometricPolicyBodySchema);
      const { value, version } = await identity.changeStore(
        params.storeName,
        { type: 'SetBiometricPolicy', policy },
        writeOf(metadata, req),
      );
      return versioned(200, value, version);
    },
    deleteBiometricPolicy: async ({ params, metadata, req }) => {
      const { value, version } = await identity.changeStore(params.storeName, { type: 'RemoveBiometricPolicy' }, writeOf(metadata, req));
      return versioned(200, value, version);
    },
    getTrustedFacets: async ({ params }) => ({
      body: trustedFacetsOf(await identity.policyOf(params.storeName, 'appkey', params.rpId)),
      headers: { 'Cache-Control': `public, max-age=${TRUSTED_FACETS_MAX_AGE_SECONDS}` },
    }),

    // ---- users ----
    createUser: async ({ params, body, metadata }) => {
      const { value, version } = await identity.createUser(params.storeName, withoutReadOnlyUserFields(body), { metadata });
      return versioned(200, await userView(value), version);
    },
    listUsers: async ({ params, query }) => {
      const page = await identity.listUsers(params.storeName, query, ops.listUsers.sortFields);
      return { body: { ...page, content: await Promise.all(page.content.map(userView)) } };
    },
    getUser: async ({ params }) => {
      const { value, version } = await identity.requireUser(params.storeName, userRefOf(params));
      return versioned(200, await userView(value), version);
    },
    updateUser: async ({ params, body, metadata, req }) => {
      const { value, version } = await identity.changeUser(
        params.storeName,
        userRefOf(params),
        { type: 'UpdateUser', ...withoutReadOnlyUserFields(body) },
        writeOf(metadata, req),
      );
      return versioned(200, await userView(value), version);
    },
    deleteUser: async ({ params, metadata, req }) => {
      await identity.changeUser(params.storeName, userRefOf(params), { type: 'DeleteUser' }, writeOf(metadata, req));
      return noContent();
    },
  });
};

/** Lookups other services make (not exposed through the gateway; service tokens only). */
export const identityInternalRoutes = (identity: IdentityUseCases): Router => {
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
  router.get('/internal/stores/:storeId/pushCredentials/:rpId', async (req, res) => {
    const credentials = await identity.getPushCredentials(req.params.storeId, req.params.rpId);
    if (!credentials) throw notFound('PUSH_NOTIFICATION_POLICY_NOT_FOUND', 'Push notification policy does not exist.');
    res.json(credentials);
  });
  router.get('/internal/stores/:storeId/users/:userId', async (req, res) => {
    const user = await identity.getUser(req.params.storeId, { userId: req.params.userId });
    if (!user) throw notFound('USER_NOT_FOUND', 'User does not exist.');
    res.json(user);
  });
  return router;
};
