import fc from 'fast-check';
import type { ApiModel, ApiOperation, ApiParameter } from './api-model';
import {
  BODY_LIMIT_BYTES,
  bodyContentTypes,
  hostileAuthorization,
  hostileJsonValue,
  hostileQueryValues,
  hostileSegments,
  hostileStrings,
  ifMatchValues,
  PROTOTYPE_KEYS,
  RawJson,
  rawBodies,
  toJsonText,
} from './hostile';
import type { RawRequest } from './raw-http';
import { type JsonSchema, schemaArbitrary, type SchemaHintContext } from './schema-arbitrary';
import { RP_ID, sessionKindOfPath, type World, type WorldStore } from './world';

/**
 * A fuzzed request is generated as a plan — pure data, from the seed alone — and turned into bytes
 * on the wire against the current world (`materialize`): "the 3rd real user of the chosen store" is
 * a plan; which id that is depends on what the run created so far. So a seed replays the same plans.
 */

export type ParamPlan =
  { kind: 'real'; pick: number } | { kind: 'schema'; value: unknown } | { kind: 'hostile'; raw: string };

export interface Mutation {
  at: number;
  action: 'replace' | 'addKey' | 'dropKey';
  key: string;
  value: unknown;
}

export type BodyPlan =
  | { kind: 'none' }
  | { kind: 'valid'; value: unknown; real: number | null }
  | { kind: 'mutated'; value: unknown; real: number | null; mutations: Mutation[] }
  | { kind: 'ceremony'; fallback: unknown }
  | { kind: 'hostile'; value: unknown }
  | { kind: 'raw'; label: string; bytes: Buffer }
  | { kind: 'duplicateKeys'; value: unknown; key: number; second: unknown }
  | { kind: 'sized'; value: unknown; bytes: number };

export type AuthPlan =
  { kind: 'admin' } | { kind: 'restricted' } | { kind: 'hostile'; header: string | undefined };

export interface RequestPlan {
  operation: number;
  params: ParamPlan[];
  query: Array<[string, string]>;
  body: BodyPlan;
  /** 'default': application/json when there is a body. */
  contentType: string | null | 'default';
  auth: AuthPlan;
  apiKey: { kind: 'admin' } | { kind: 'restricted' } | { kind: 'hostile'; value: string };
  ifMatch: string | null;
  correlationId: string | null;
  /** A Content-Encoding the body does not have (or one the server does not know). */
  contentEncoding: string | null;
}

export interface Identities {
  adminToken: string;
  restrictedToken: string;
  adminApiKey: string;
  restrictedApiKey: string;
}

export interface MaterializedRequest {
  request: RawRequest;
  /** The operation the plan was made for (the path may reach another one, or none). */
  planned: ApiOperation;
  /** Path parameters as chosen (decoded), to learn from the answer. */
  params: Record<string, string>;
  /** One line: what kind of request this was (for the summary). */
  label: string;
}

// -------------------------------------------------------------------------------------------------
// Domain hints: values that pass the server's own rules, not only the schema's
// -------------------------------------------------------------------------------------------------

const policyNames = fc.oneof(
  fc.constantFrom('default', 'strict', 'short', 'p2'),
  fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/),
);
const durations = fc.constantFrom(
  'PT15M',
  'P90D',
  'PT1S',
  'P1Y',
  'P30D',
  'PT0S',
  'P1M',
  'PT36H',
  'P1000000Y',
  'PT99999999999H',
  'P10Y',
);
const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));

const hints = (model: ApiModel) => {
  const permissions = fc.constantFrom(
    'IdentityStore:*',
    ...new Set(model.operations.flatMap((operation) => (operation.permission ? [operation.permission] : []))),
  );
  const byProperty: Record<string, fc.Arbitrary<unknown>> = {
    lockoutDuration: durations,
    validity: fc.oneof(durations, fc.constant(null)),
    renewalWindow: fc.oneof(durations, fc.constant(null)),
    code: fc.oneof(fc.stringMatching(/^\d{6}$/), fc.stringMatching(/^\d{8}$/)),
    salt: hex(16),
    verifier: hex(256),
    A: hex(256),
    M1: hex(32),
    rpId: fc.constantFrom(RP_ID, 'login.example.com', 'example.org', 'localhost'),
    origins: fc.constantFrom(
      ['https://example.com'],
      ['https://login.example.com', 'https://example.com'],
      ['http://localhost:3000'],
    ),
    permissions: fc.array(permissions, { minLength: 1, maxLength: 4 }),
    expirationDtm: fc.oneof(
      fc.constant(null),
      fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString()),
    ),
    attributes: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record(
          { age: fc.integer({ min: -5, max: 200 }), email: fc.emailAddress() },
          { requiredKeys: [] },
        ),
      },
      { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), hostileJsonValue, { maxKeys: 3 }) },
    ),
    context: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({ ip: fc.ipV4(), device: fc.string({ maxLength: 20 }) }, { requiredKeys: [] }),
      },
      { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), hostileJsonValue, { maxKeys: 3 }) },
    ),
    attributeSchema: fc.constantFrom<unknown>(
      null,
      { type: 'object', properties: { age: { type: 'integer' } } },
      { type: 'object', properties: { tag: { type: 'string', pattern: '^[a-z]+$' } } },
      { type: 'object', required: ['email'], properties: { email: { type: 'string' } } },
    ),
  };
  const keyHints: Record<string, fc.Arbitrary<string>> = {
    totpPolicies: policyNames,
    passcodePolicies: policyNames,
    registrationPolicies: policyNames,
    authenticationPolicies: policyNames,
    passkeyConfigs: fc.constantFrom(RP_ID, 'example.org', 'login.example.com'),
  };
  return ({ property, role }: SchemaHintContext): fc.Arbitrary<unknown> | undefined => {
    if (!property) return undefined;
    if (role === 'keys') return keyHints[property];
    return byProperty[property];
  };
};

// -------------------------------------------------------------------------------------------------
// Plans
// -------------------------------------------------------------------------------------------------

/** `arbitrary` one time in `oneIn`, else null. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

const encode = (value: unknown) => encodeURIComponent(String(value).replace(/[\ud800-\udfff]/g, '\ufffd'));

export const planArbitrary = (model: ApiModel): fc.Arbitrary<RequestPlan> => {
  const hint = hints(model);
  const valueOf = (schema: JsonSchema) => schemaArbitrary(schema, { root: model.doc, hint });

  const paramPlan = (parameter: ApiParameter): fc.Arbitrary<ParamPlan> =>
    fc.oneof(
      { weight: 12, arbitrary: fc.nat().map((pick): ParamPlan => ({ kind: 'real', pick })) },
      {
        weight: 4,
        arbitrary: valueOf(parameter.schema).map((value): ParamPlan => ({ kind: 'schema', value })),
      },
      { weight: 2, arbitrary: hostileSegments.map((raw): ParamPlan => ({ kind: 'hostile', raw })) },
    );

  const queryPlan = (operation: ApiOperation): fc.Arbitrary<Array<[string, string]>> =>
    fc
      .tuple(
        fc.tuple(
          ...operation.queryParams.map((parameter) =>
            sometimes(
              fc.oneof(
                {
                  weight: 3,
                  arbitrary: valueOf(parameter.schema).map((v): [string, string] => [
                    parameter.name,
                    encode(v),
                  ]),
                },
                {
                  weight: 2,
                  arbitrary: hostileQueryValues.map((v): [string, string] => [parameter.name, v]),
                },
              ),
              2,
            ),
          ),
        ),
        sometimes(
          fc.constantFrom<Array<[string, string]>>(
            [
              ['page', '1'],
              ['page', '2'],
            ],
            [
              ['size', '5'],
              ['size', '500'],
            ],
            [['__proto__', 'x']],
            [['constructor', 'x']],
            [['page[$gt]', '1']],
            [['sort[]', 'extId']],
            [['unknown', '1']],
            [['', '']],
            [['%00', '%00']],
          ),
          8,
        ),
      )
      .map(([documented, extra]) => [
        ...documented.filter((pair): pair is [string, string] => pair !== null),
        ...(extra ?? []),
      ]);

  const mutation: fc.Arbitrary<Mutation> = fc.record({
    at: fc.nat(),
    action: fc.constantFrom<Mutation['action']>('replace', 'replace', 'addKey', 'dropKey'),
    key: fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, 'unknownField', ''), hostileStrings),
    value: hostileJsonValue,
  });

  const bodyPlan = (operation: ApiOperation): fc.Arbitrary<BodyPlan> => {
    if (!operation.body)
      return fc.oneof(
        { weight: 20, arbitrary: fc.constant<BodyPlan>({ kind: 'none' }) },
        { weight: 1, arbitrary: hostileJsonValue.map((value): BodyPlan => ({ kind: 'hostile', value })) },
        {
          weight: 1,
          arbitrary: rawBodies.map(({ label, bytes }): BodyPlan => ({ kind: 'raw', label, bytes })),
        },
      );
    const valid = valueOf(operation.body.schema);
    // Two bodies in three name real things (pick n of the world's), the others keep generated names.
    const real = fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.nat() });
    const ceremony = /^(complete|authenticate|register)/.test(operation.operationId) ? 10 : 0;
    return fc.oneof(
      { weight: 30, arbitrary: fc.record({ kind: fc.constant('valid' as const), value: valid, real }) },
      {
        weight: 24,
        arbitrary: fc.record({
          kind: fc.constant('mutated' as const),
          value: valid,
          real,
          mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
        }),
      },
      ...(ceremony
        ? [
            {
              weight: ceremony,
              arbitrary: valid.map((fallback): BodyPlan => ({ kind: 'ceremony', fallback })),
            },
          ]
        : []),
      { weight: 5, arbitrary: hostileJsonValue.map((value): BodyPlan => ({ kind: 'hostile', value })) },
      {
        weight: 8,
        arbitrary: rawBodies.map(({ label, bytes }): BodyPlan => ({ kind: 'raw', label, bytes })),
      },
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('duplicateKeys' as const),
          value: valid,
          key: fc.nat(),
          second: hostileJsonValue,
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('sized' as const),
          value: valid,
          bytes: fc.constantFrom(
            BODY_LIMIT_BYTES - 1,
            BODY_LIMIT_BYTES,
            BODY_LIMIT_BYTES + 1,
            4 * BODY_LIMIT_BYTES,
          ),
        }),
      },
      { weight: 3, arbitrary: fc.constant<BodyPlan>({ kind: 'none' }) },
    );
  };

  const authPlan: fc.Arbitrary<AuthPlan> = fc.oneof(
    { weight: 86, arbitrary: fc.constant<AuthPlan>({ kind: 'admin' }) },
    { weight: 8, arbitrary: fc.constant<AuthPlan>({ kind: 'restricted' }) },
    { weight: 6, arbitrary: hostileAuthorization.map((header): AuthPlan => ({ kind: 'hostile', header })) },
  );
  const apiKeyPlan = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'admin' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'restricted' as const }) },
    {
      weight: 6,
      arbitrary: fc
        .oneof(hostileStrings, fc.constant('isk_x_y'))
        .map((value) => ({ kind: 'hostile' as const, value })),
    },
  );

  const free = (operation: ApiOperation, index: number): fc.Arbitrary<RequestPlan> =>
    fc.record({
      operation: fc.constant(index),
      params: fc.tuple(...operation.pathParams.map(paramPlan)),
      query: queryPlan(operation),
      body: bodyPlan(operation),
      contentType: fc.oneof(
        { weight: 4, arbitrary: fc.constant<'default'>('default') },
        { weight: 1, arbitrary: bodyContentTypes },
      ),
      auth: authPlan,
      apiKey: apiKeyPlan,
      ifMatch: sometimes(ifMatchValues, 6),
      correlationId: sometimes(
        fc.oneof(
          hostileStrings.map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
          fc.constant('corr-1'),
        ),
        15,
      ),
      contentEncoding: sometimes(
        fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip'),
        30,
      ),
    });
  // A well-formed request about things that exist: reaches the decisions behind the lookups.
  const coherent = (operation: ApiOperation, index: number): fc.Arbitrary<RequestPlan> => {
    const valid = operation.body ? valueOf(operation.body.schema) : fc.constant(undefined);
    const ceremony = /^(complete|authenticate)/.test(operation.operationId);
    return fc.record({
      operation: fc.constant(index),
      params: fc.tuple(
        ...operation.pathParams.map(() => fc.nat().map((pick): ParamPlan => ({ kind: 'real', pick }))),
      ),
      query: fc.constant([]),
      body: operation.body
        ? fc.oneof(
            {
              weight: 2,
              arbitrary: fc.record({ kind: fc.constant('valid' as const), value: valid, real: fc.nat() }),
            },
            ...(ceremony
              ? [
                  {
                    weight: 3,
                    arbitrary: valid.map((fallback): BodyPlan => ({ kind: 'ceremony', fallback })),
                  },
                ]
              : []),
          )
        : fc.constant<BodyPlan>({ kind: 'none' }),
      contentType: fc.constant<'default'>('default'),
      auth: fc.constant<AuthPlan>({ kind: 'admin' }),
      apiKey: fc.constant({ kind: 'admin' as const }),
      ifMatch: fc.constant(null),
      correlationId: fc.constant(null),
      contentEncoding: fc.constant(null),
    }) as fc.Arbitrary<RequestPlan>;
  };
  const plans = model.operations.flatMap((operation, index) =>
    operation.implemented
      ? [
          { weight: 3, arbitrary: free(operation, index) },
          { weight: 2, arbitrary: coherent(operation, index) },
        ]
      : [{ weight: 1, arbitrary: free(operation, index) }],
  );
  return fc.oneof(...plans) as fc.Arbitrary<RequestPlan>;
};

// -------------------------------------------------------------------------------------------------
// Plan → bytes on the wire
// -------------------------------------------------------------------------------------------------

const pick = <T>(list: readonly T[], n: number): T | undefined =>
  list.length ? list[n % list.length] : undefined;

/** The world's values a path parameter of this operation can take (empty: none known). */
const realValues = (
  world: World,
  operation: ApiOperation,
  name: string,
  chosen: Record<string, string>,
): string[] => {
  const store: WorldStore | undefined = chosen.storeName ? world.stores.get(chosen.storeName) : undefined;
  const path = operation.path;
  const userId =
    chosen.userId ?? (chosen.extId ? world.userOf(chosen.storeName ?? '', chosen.extId)?.id : undefined);
  switch (name) {
    case 'storeName': {
      const rich = world.richStores().map((s) => s.name);
      // Deleting the seeded stores would only make the run re-seed: delete the others (and 404s).
      if (operation.operationId === 'deleteStore')
        return world
          .storeList()
          .filter((s) => !rich.includes(s.name))
          .map((s) => s.name);
      // Stores with users and credentials twice as often: more requests reach the code behind the lookups.
      return [...rich, ...rich, ...world.storeList().map((s) => s.name)];
    }
    case 'userId':
      return store?.users.map((u) => u.id) ?? [];
    case 'extId':
      return store?.users.map((u) => u.extId) ?? [];
    case 'policyName':
      return /totp/i.test(path) ? (store?.totpPolicies ?? []) : (store?.passcodePolicies ?? []);
    case 'rpId':
      return store?.passkeyConfigs.map((c) => c.rpId) ?? [];
    case 'regPolicyName':
      return store?.passkeyConfigs.find((c) => c.rpId === chosen.rpId)?.registrationPolicies ?? [];
    case 'authPolicyName':
      return store?.passkeyConfigs.find((c) => c.rpId === chosen.rpId)?.authenticationPolicies ?? [];
    case 'sessionId': {
      const kind = sessionKindOfPath(path);
      const sessions = world.sessions.filter((s) => s.kind === kind);
      const own = sessions.filter((s) => s.storeName === chosen.storeName);
      return (own.length ? own : sessions).map((s) => s.id);
    }
    case 'id': {
      if (path.startsWith('/api/arthr/apiKeys')) return world.apiKeyIds;
      if (/\/authentications\/\{id\}/.test(path))
        return world.authentications.filter((a) => a.userId === userId).map((a) => a.id);
      const kind = /\/totps\//.test(path)
        ? 'totp'
        : /\/passcodes\//.test(path)
          ? 'passcode'
          : /\/passkeys\//.test(path)
            ? 'passkey'
            : undefined;
      const own = world.credentials.filter((c) => c.kind === kind && c.userId === userId);
      return (own.length ? own : world.credentials.filter((c) => c.kind === kind)).map((c) => c.id);
    }
    default:
      return [];
  }
};

/** Top-level body fields that name existing things: the world's values, when the plan asks for them. */
const substitute = (
  world: World,
  operation: ApiOperation,
  chosen: Record<string, string>,
  value: unknown,
  n: number,
) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const body = { ...(value as Record<string, unknown>) };
  const store = chosen.storeName ? world.stores.get(chosen.storeName) : undefined;
  const user = pick(store?.users ?? [], n);
  if ('userId' in body && user) body.userId = user.id;
  if ('extId' in body && user) {
    body.extId = user.extId;
    if ('userId' in body) delete body[n % 2 ? 'userId' : 'extId']; // exactly one of them, mostly
  }
  if ('rpId' in body && store?.passkeyConfigs.length) body.rpId = pick(store.passkeyConfigs, n)!.rpId;
  if ('policyName' in body && store?.passkeyConfigs.length) {
    const config = store.passkeyConfigs.find((c) => c.rpId === body.rpId) ?? store.passkeyConfigs[0]!;
    const policies = /authenticat/i.test(operation.operationId)
      ? config.authenticationPolicies
      : config.registrationPolicies;
    if (policies.length) body.policyName = pick(policies, n);
  }
  if (operation.operationId === 'createStore' && 'name' in body)
    body.name = pick(world.storeList(), n)?.name ?? body.name;
  if (Array.isArray(body.stores) && world.storeList().length)
    body.stores = [pick(world.storeList(), n)!.name];
  return body;
};

const applyMutations = (value: unknown, mutations: Mutation[]): unknown => {
  let root = structuredClone(value);
  for (const { at, action, key, value: hostile } of mutations) {
    // Every node, depth first, with where it hangs (undefined parent: the root itself).
    const nodes: Array<{
      node: unknown;
      parent?: Record<string, unknown> | unknown[];
      key?: string | number;
    }> = [];
    const walk = (node: unknown, parent?: Record<string, unknown> | unknown[], k?: string | number) => {
      nodes.push({ node, parent, key: k });
      if (Array.isArray(node)) node.forEach((child, i) => walk(child, node, i));
      else if (node !== null && typeof node === 'object' && !(node instanceof RawJson))
        for (const [childKey, child] of Object.entries(node))
          walk(child, node as Record<string, unknown>, childKey);
    };
    walk(root);
    const target = nodes[at % nodes.length]!;
    const isObject =
      target.node !== null &&
      typeof target.node === 'object' &&
      !Array.isArray(target.node) &&
      !(target.node instanceof RawJson);
    if (action === 'addKey' && isObject) {
      Object.defineProperty(target.node, key, {
        value: hostile,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (action === 'dropKey' && isObject && Object.keys(target.node as object).length) {
      const keys = Object.keys(target.node as object);
      delete (target.node as Record<string, unknown>)[keys[at % keys.length]!];
    } else if (target.parent === undefined) {
      root = hostile;
    } else {
      (target.parent as Record<string | number, unknown>)[target.key!] = hostile;
    }
  }
  return root;
};

/** JSON text of an object with one of its keys written twice (the second value is the hostile one). */
const withDuplicateKey = (value: unknown, n: number, second: unknown): string => {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.keys(value).length)
    return `{"__proto__":${toJsonText(second)},"__proto__":{}}`;
  const keys = Object.keys(value);
  const key = keys[n % keys.length]!;
  const text = toJsonText(value);
  return `${text.slice(0, -1)},${JSON.stringify(key)}:${toJsonText(second)}}`;
};

/** The right answer to a ceremony, when the world knows it (else the plan's fallback body). */
const ceremonyBody = (
  world: World,
  operation: ApiOperation,
  chosen: Record<string, string>,
  fallback: unknown,
): unknown => {
  const id = operation.operationId;
  const userId = chosen.userId ?? world.userOf(chosen.storeName ?? '', chosen.extId ?? '')?.id;
  if (/^(authenticateTotp|completeTotpRegistration)/.test(id) && userId && chosen.policyName) {
    const code = world.totpCode(chosen.storeName!, userId, chosen.policyName);
    return code ? { code } : fallback;
  }
  const session = world.sessions.find((s) => s.id === chosen.sessionId);
  if (!session) return fallback;
  if (id === 'completePasscodeRegistration' && typeof session.start.identity === 'string')
    return world.srpVerifier(session.start.identity);
  if (id === 'completePasscodeAuthentication' || id === 'completePasscodeRenewal') {
    const proof = world.srpProof(session);
    if (!proof) return fallback;
    return id === 'completePasscodeRenewal'
      ? { ...proof, ...world.srpVerifier(session.start.identity as string) }
      : proof;
  }
  if (id === 'completePasskeyRegistration' || id === 'completePasskeyAuthentication')
    return world.webauthnResponse(session) ?? fallback;
  return fallback;
};

export const materialize = (
  plan: RequestPlan,
  model: ApiModel,
  world: World,
  identities: Identities,
): MaterializedRequest => {
  const operation = model.operations[plan.operation]!;
  const chosen: Record<string, string> = {};
  const segments: Record<string, string> = {};
  operation.pathParams.forEach((parameter, index) => {
    const param = plan.params[index]!;
    let value: string | undefined;
    if (param.kind === 'real') value = pick(realValues(world, operation, parameter.name, chosen), param.pick);
    else if (param.kind === 'schema') value = String(param.value);
    if (param.kind === 'hostile') {
      segments[parameter.name] = param.raw;
      try {
        chosen[parameter.name] = decodeURIComponent(param.raw);
      } catch {
        chosen[parameter.name] = param.raw;
      }
      return;
    }
    value ??= 'fuzz-unknown';
    chosen[parameter.name] = value;
    segments[parameter.name] = encodeURIComponent(value);
  });
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => segments[name] ?? 'x');
  const query = plan.query.map(([name, value]) => `${name}=${value}`).join('&');

  let body: Buffer | undefined;
  let bodyLabel = 'no body';
  const b = plan.body;
  switch (b.kind) {
    case 'none':
      break;
    case 'valid':
      body = Buffer.from(
        toJsonText(b.real === null ? b.value : substitute(world, operation, chosen, b.value, b.real)),
      );
      bodyLabel = b.real === null ? 'valid body' : 'valid body, real names';
      break;
    case 'mutated':
      body = Buffer.from(
        toJsonText(
          applyMutations(
            b.real === null ? b.value : substitute(world, operation, chosen, b.value, b.real),
            b.mutations,
          ),
        ),
      );
      bodyLabel = `mutated body (${b.mutations.map((m) => m.action).join(', ')})`;
      break;
    case 'ceremony':
      body = Buffer.from(toJsonText(ceremonyBody(world, operation, chosen, b.fallback)));
      bodyLabel = 'ceremony answer';
      break;
    case 'hostile':
      body = Buffer.from(toJsonText(b.value));
      bodyLabel = 'hostile JSON value';
      break;
    case 'raw':
      body = b.bytes;
      bodyLabel = `raw body: ${b.label}`;
      break;
    case 'duplicateKeys':
      body = Buffer.from(withDuplicateKey(b.value, b.key, b.second));
      bodyLabel = 'duplicate JSON keys';
      break;
    case 'sized': {
      const text = toJsonText(b.value);
      body = Buffer.concat([
        Buffer.from(text),
        Buffer.alloc(Math.max(0, b.bytes - Buffer.byteLength(text)), ' '),
      ]);
      bodyLabel = `${body.length}-byte body`;
      break;
    }
  }

  const headers: Record<string, string> = {};
  const contentType =
    plan.contentType === 'default' ? (body !== undefined ? 'application/json' : null) : plan.contentType;
  if (contentType) headers['content-type'] = contentType;
  let localAddress: string | undefined;
  if (operation.security === 'apiKey') {
    // Failed token issues are rate-limited per client address: those come from another one.
    localAddress = '127.0.0.2';
    const key = plan.apiKey;
    headers['x-api-key'] =
      key.kind === 'admin'
        ? identities.adminApiKey
        : key.kind === 'restricted'
          ? identities.restrictedApiKey
          : key.value.replace(/[^\t\x20-\x7e]/g, '');
  } else if (plan.auth.kind === 'admin') headers.authorization = `Bearer ${identities.adminToken}`;
  else if (plan.auth.kind === 'restricted') headers.authorization = `Bearer ${identities.restrictedToken}`;
  else if (plan.auth.header !== undefined) headers.authorization = plan.auth.header;
  if (plan.ifMatch && operation.method !== 'GET') headers['if-match'] = plan.ifMatch;
  if (plan.correlationId !== null) headers['x-correlation-id'] = plan.correlationId;
  if (plan.contentEncoding !== null && body !== undefined) headers['content-encoding'] = plan.contentEncoding;

  const auth = operation.security === 'apiKey' ? `api key ${plan.apiKey.kind}` : `auth ${plan.auth.kind}`;
  const paramKinds = plan.params.map((p) => p.kind).join('/');
  return {
    request: {
      method: operation.method,
      target: query ? `${path}?${query}` : path,
      headers,
      body,
      localAddress,
    },
    planned: operation,
    params: chosen,
    label: `${bodyLabel}; params ${paramKinds || '-'}; ${auth}${contentType && contentType !== 'application/json' ? `; content-type ${contentType}` : ''}`,
  };
};
