import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
  zodToOpenAPIRegistry,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { type EventDefinition, integrationEventEnvelope, topics } from '../events/event';
import { identityEvents } from '../identity/identity-events';
import {
  createPasscodePolicyBodySchema,
  createStoreBodySchema,
  createTotpPolicyBodySchema,
  passcodeClientRulesSchema,
  passcodeKdfSchema,
  passcodePolicySchema,
  passkeyAuthenticationPolicySchema,
  passkeyConfigSchema,
  passkeyRegistrationPolicySchema,
  storeSchema,
  totpPolicySchema,
  updatePasscodePolicyBodySchema,
  updatePasskeyConfigBodySchema,
  updateStoreBodySchema,
  updateTotpPolicyBodySchema,
} from '../identity/store';
import {
  authenticationAuditSchema,
  createUserBodySchema,
  registrationAuditSchema,
  summaryGroupSchema,
  summaryInfoSchema,
  updateUserBodySchema,
  userSchema,
  userStatusSchema,
} from '../identity/user';
import {
  authenticateTotpBodySchema,
  completeTotpRegistrationBodySchema,
  totpAuthenticationResponseSchema,
  totpRegistrationResponseSchema,
  updateTotpBodySchema,
} from '../totp/totp-api';
import { totpCredentialSchema } from '../totp/totp-events';
import { totpIntegrationEvents } from '../totp/totp-integration-events';
import {
  completePasscodeAuthenticationBodySchema,
  completePasscodeRegistrationBodySchema,
  completePasscodeRenewalBodySchema,
  passcodeAuthenticationResponseSchema,
  passcodeAuthenticationStartResponseSchema,
  passcodeRegistrationStartResponseSchema,
  passcodeRenewalResponseSchema,
  passcodeRenewalStartResponseSchema,
  updatePasscodeBodySchema,
} from '../passcode/passcode-api';
import { passcodeResourceSchema } from '../passcode/passcode-events';
import { passcodeIntegrationEvents } from '../passcode/passcode-integration-events';
import {
  authenticatePasskeyBodySchema,
  authenticationResponseSchema,
  completePasskeyAuthenticationBodySchema,
  completePasskeyRegistrationBodySchema,
  passkeyAuthenticationResponseSchema,
  passkeyAuthenticationStartResponseSchema,
  passkeyRegistrationStartResponseSchema,
  publicKeyCredentialCreationOptionsSchema,
  publicKeyCredentialRequestOptionsSchema,
  registerPasskeyBodySchema,
  registrationResponseSchema,
  startStorePasskeyRegistrationBodySchema,
  startUsernamelessPasskeyAuthenticationBodySchema,
  updatePasskeyBodySchema,
} from '../passkey/passkey-api';
import {
  passkeyAuditInfoSchema,
  passkeyInfoSchema,
  passkeyRegistrationAuditInfoSchema,
  passkeyResourceSchema,
} from '../passkey/passkey-events';
import { passkeyIntegrationEvents } from '../passkey/passkey-integration-events';
import {
  dtmSchema,
  isoDurationSchema,
  MAX_PAGE_WINDOW,
  storedIsoDurationSchema,
  pageOf,
  pageQuerySchema,
  policyNameSchema,
  problemSchema,
  storeNameSchema,
} from './common';
import { apiKeyOperations, type OperationDef, operations, type ServiceName } from './operations';

/**
 * The OpenAPI 3.1 document of the whole API, generated from the contract's zod schemas and the
 * operation table (`operations`, `apiKeyOperations`) with `@asteasolutions/zod-to-openapi`.
 *
 * - Every operation of the table is documented (path parameters come from its path template);
 *   request and response schemas come from {@link operationDocs}, the one explicit table of what each
 *   implemented route accepts and answers. Operations not implemented yet are documented with their
 *   parameters and a 501 problem only: their bodies are not part of the contract files yet.
 * - Errors are RFC 9457 problems (`application/problem+json`, schema `Problem`).
 * - The Kafka topics and the integration event envelope are documented in `info.description` and in
 *   the `x-events` extension (with a component schema per published event's `data`).
 *
 * How the contract schemas get component names without touching the contract files: zod-to-openapi
 * names a schema by metadata kept in its own registry (`zodToOpenAPIRegistry`). `.openapi(name)` and
 * `registry.register(name, schema)` need `extendZodWithOpenApi(z)` (a patch of zod's prototype) and
 * name a *copy* of the schema, so schemas nested in others (the user inside a TOTP registration
 * response, the policies inside a store) would still be inlined. Here the original schema objects are
 * named in that registry instead, which only zod-to-openapi reads, so every use of a named schema
 * becomes a `$ref` and zod itself is left unpatched.
 */

/** The API version; keep in step with the root package.json. */
export const API_VERSION = '0.1.0';

const JSON_MEDIA = 'application/json';
const PROBLEM_MEDIA = 'application/problem+json';
const ref = (kind: 'schemas' | 'responses' | 'headers' | 'securitySchemes', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

// ---------------------------------------------------------------------------------------------
// Schemas that exist only for the document
// ---------------------------------------------------------------------------------------------

/**
 * Query of list operations. `pageQuerySchema` coerces strings to numbers (query values are strings),
 * which zod-to-openapi would render as nullable; this plain form documents the same parameters.
 */
const pageQuery = (sortFields: readonly string[]) =>
  z.object({
    page: z
      .number()
      .int()
      .min(0)
      .max(MAX_PAGE_WINDOW - 1)
      .default(0)
      .describe(`Page index, 0-based; (page + 1) × size must not exceed ${MAX_PAGE_WINDOW}.`),
    size: z.number().int().min(1).max(100).default(20).describe('Page size, 1–100.'),
    ...(sortFields.length > 0 && pageQuerySchema.shape.sort
      ? {
          sort: pageQuerySchema.shape.sort.describe(
            `\`field,asc\` or \`field,desc\`; field one of ${sortFields.map((f) => `\`${f}\``).join(', ')}.`,
          ),
        }
      : {}),
  });

// API keys are the gateway's resources (apps/gateway, which this library cannot import): the schemas
// below document the shapes its routes accept and answer.
const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  permissions: z
    .array(z.string())
    .describe('`IdentityStore:<operationId>` permissions, or `IdentityStore:*`.'),
  stores: z.array(z.string()).nullable().describe('Stores the key may act on; null: every store.'),
  createdDtm: dtmSchema,
  lastUpdatedDtm: dtmSchema,
});
const createdApiKeySchema = apiKeySchema.extend({
  key: z.string().describe('The API key itself. Returned once, at creation; never stored or shown again.'),
});
const apiKeyPermissionsSchema = z
  .array(z.string())
  .min(1)
  .describe(
    '`IdentityStore:<operationId>` of API operations, or `IdentityStore:*`; within the caller’s own.',
  );
const apiKeyStoresSchema = z
  .array(storeNameSchema)
  .min(1)
  .max(1000)
  .nullable()
  .describe('Stores the key may act on (within the caller’s own); null: every store.');
const createApiKeyBodySchema = z.strictObject({
  name: z.string().min(1).max(100),
  permissions: apiKeyPermissionsSchema,
  stores: apiKeyStoresSchema.optional().default(null),
});
const updateApiKeyBodySchema = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  permissions: apiKeyPermissionsSchema.optional(),
  stores: apiKeyStoresSchema.optional(),
});
const issuedTokenSchema = z.object({
  token: z.string().describe('A signed JWT (HS256); send it as `Authorization: Bearer <token>`.'),
  ttl: z.number().int().positive().describe('Lifetime of the token in seconds (default 900).'),
});

const storePageSchema = pageOf(storeSchema);
const userPageSchema = pageOf(userSchema);
const totpCredentialPageSchema = pageOf(totpCredentialSchema);
const passcodePageSchema = pageOf(passcodeResourceSchema);
const passkeyPageSchema = pageOf(passkeyResourceSchema);
const apiKeyPageSchema = pageOf(apiKeySchema);

// ---------------------------------------------------------------------------------------------
// Events published on the Kafka topics
// ---------------------------------------------------------------------------------------------

type AnyEventDefinition = EventDefinition<string, z.ZodTypeAny>;

/** Integration events by topic key (identity events carry no secrets: same data as stored). */
const publishedEvents: Record<keyof typeof topics, Record<string, AnyEventDefinition>> = {
  identity: identityEvents,
  totp: totpIntegrationEvents,
  passcode: passcodeIntegrationEvents,
  passkey: passkeyIntegrationEvents,
  appkey: {},
  biometric: {},
};

const eventDataSchemaName = (type: string) => `${type}EventData`;

// ---------------------------------------------------------------------------------------------
// Component schemas
// ---------------------------------------------------------------------------------------------

/** [component name, schema]; the schema objects themselves are named (see the file comment). */
const componentSchemas: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['Problem', problemSchema],
  ['Store', storeSchema],
  ['StorePage', storePageSchema],
  ['CreateStoreBody', createStoreBodySchema],
  ['UpdateStoreBody', updateStoreBodySchema],
  ['TotpPolicy', totpPolicySchema],
  ['CreateTotpPolicyBody', createTotpPolicyBodySchema],
  ['UpdateTotpPolicyBody', updateTotpPolicyBodySchema],
  ['PasscodePolicy', passcodePolicySchema],
  ['CreatePasscodePolicyBody', createPasscodePolicyBodySchema],
  ['PasscodeClientRules', passcodeClientRulesSchema],
  ['PasscodeKdf', passcodeKdfSchema],
  ['UpdatePasscodePolicyBody', updatePasscodePolicyBodySchema],
  // createPasskeyConfigBodySchema is passkeyConfigSchema itself: one component.
  ['PasskeyConfig', passkeyConfigSchema],
  ['PasskeyRegistrationPolicy', passkeyRegistrationPolicySchema],
  ['PasskeyAuthenticationPolicy', passkeyAuthenticationPolicySchema],
  ['UpdatePasskeyConfigBody', updatePasskeyConfigBodySchema],
  ['UserStatus', userStatusSchema],
  ['User', userSchema],
  ['UserPage', userPageSchema],
  ['CreateUserBody', createUserBodySchema],
  ['UpdateUserBody', updateUserBodySchema],
  ['SummaryInfo', summaryInfoSchema],
  ['SummaryGroup', summaryGroupSchema],
  ['SummaryGroupItem', summaryGroupSchema.shape.items.element],
  ['TotpCredential', totpCredentialSchema],
  ['TotpCredentialPage', totpCredentialPageSchema],
  ['TotpRegistrationResponse', totpRegistrationResponseSchema],
  ['CompleteTotpRegistrationBody', completeTotpRegistrationBodySchema],
  ['AuthenticateTotpBody', authenticateTotpBodySchema],
  ['TotpAuthenticationResponse', totpAuthenticationResponseSchema],
  ['UpdateTotpBody', updateTotpBodySchema],
  ['Passcode', passcodeResourceSchema],
  ['PasscodePage', passcodePageSchema],
  ['PasscodeRegistrationStartResponse', passcodeRegistrationStartResponseSchema],
  ['CompletePasscodeRegistrationBody', completePasscodeRegistrationBodySchema],
  ['PasscodeAuthenticationStartResponse', passcodeAuthenticationStartResponseSchema],
  ['CompletePasscodeAuthenticationBody', completePasscodeAuthenticationBodySchema],
  ['PasscodeAuthenticationResponse', passcodeAuthenticationResponseSchema],
  ['PasscodeRenewalStartResponse', passcodeRenewalStartResponseSchema],
  ['CompletePasscodeRenewalBody', completePasscodeRenewalBodySchema],
  ['UpdatePasscodeBody', updatePasscodeBodySchema],
  ['Passkey', passkeyResourceSchema],
  ['PasskeyPage', passkeyPageSchema],
  ['PublicKeyCredentialCreationOptionsJSON', publicKeyCredentialCreationOptionsSchema],
  ['PublicKeyCredentialRequestOptionsJSON', publicKeyCredentialRequestOptionsSchema],
  ['RegistrationResponseJSON', registrationResponseSchema],
  ['AuthenticationResponseJSON', authenticationResponseSchema],
  ['PasskeyRegistrationStartResponse', passkeyRegistrationStartResponseSchema],
  ['StartStorePasskeyRegistrationBody', startStorePasskeyRegistrationBodySchema],
  ['CompletePasskeyRegistrationBody', completePasskeyRegistrationBodySchema],
  ['RegisterPasskeyBody', registerPasskeyBodySchema],
  ['PasskeyAuthenticationStartResponse', passkeyAuthenticationStartResponseSchema],
  ['CompletePasskeyAuthenticationBody', completePasskeyAuthenticationBodySchema],
  ['AuthenticatePasskeyBody', authenticatePasskeyBodySchema],
  ['PasskeyAuthenticationResponse', passkeyAuthenticationResponseSchema],
  ['UpdatePasskeyBody', updatePasskeyBodySchema],
  ['PasskeyInfo', passkeyInfoSchema],
  ['PasskeyAuditInfo', passkeyAuditInfoSchema],
  ['PasskeyRegistrationAuditInfo', passkeyRegistrationAuditInfoSchema],
  ['AuthenticationAudit', authenticationAuditSchema],
  ['RegistrationAudit', registrationAuditSchema],
  ['ApiKey', apiKeySchema],
  ['ApiKeyPage', apiKeyPageSchema],
  ['CreatedApiKey', createdApiKeySchema],
  ['CreateApiKeyBody', createApiKeyBodySchema],
  ['UpdateApiKeyBody', updateApiKeyBodySchema],
  ['IssuedToken', issuedTokenSchema],
  ['IntegrationEventEnvelope', integrationEventEnvelope],
  ...Object.values(publishedEvents).flatMap((events) =>
    Object.values(events).map(
      (definition) => [eventDataSchemaName(definition.type), definition.schema] as const,
    ),
  ),
];

/**
 * Shared contract schemas that stay inline (a `$ref` would lose the `default` of the fields using
 * them) but deserve a description where they appear.
 */
const schemaAnnotations: ReadonlyArray<readonly [z.ZodType, { description: string; examples?: unknown[] }]> =
  [
    [
      isoDurationSchema,
      {
        description: 'ISO-8601 duration, e.g. `PT15M` or `P90D`; at most `P10Y` (a year counted as 365.2425 days).',
        examples: ['PT15M', 'P90D'],
      },
    ],
    [
      storedIsoDurationSchema,
      {
        description:
          'ISO-8601 duration, e.g. `PT15M` or `P90D` (policies stored before durations were bounded to `P10Y` may show a longer one).',
        examples: ['PT15M', 'P90D'],
      },
    ],
  ];

/** Names the schema object in zod-to-openapi's registry (first name wins; other metadata kept). */
const nameSchema = (name: string, schema: z.ZodType): void => {
  const current = zodToOpenAPIRegistry.get(schema);
  if (current?._internal?.refId) return;
  zodToOpenAPIRegistry.add(schema, { ...current, _internal: { ...current?._internal, refId: name } });
};

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 410 | 412 | 413 | 415 | 423 | 429 | 501;
type SuccessStatus = 200 | 201 | 204;

/** A response body: a schema, `null` for none, or a schema with its description. */
type ResponseDoc = z.ZodType | null | { schema: z.ZodType | null; description: string };

interface OperationDoc {
  body?: z.ZodType;
  query?: z.ZodObject;
  /** Success responses, and a 400 with a body for operations that answer a failed attempt with one. */
  responses: Partial<Record<SuccessStatus | 400, ResponseDoc>>;
  /**
   * Problems besides 401/403 (every operation behind a bearer token has those) and, under
   * /api/identity-store, 400 (path parameters are validated).
   */
  problems?: ProblemStatus[];
  /** The write honours `If-Match: W/"<version>"` (412 when stale). */
  ifMatch?: boolean;
  /** The success response carries the resource's weak `ETag`. */
  etag?: boolean;
  /** The success response carries a `Location` header; its description. */
  location?: string;
  description?: string;
}

const PASSKEY_START =
  'The session is single-use, expires at `expiresDtm` (the policy’s `timeout`; 5 minutes for a registration ' +
  'policy without one) and belongs to this store. 404 `PASSKEY_CONFIG_NOT_FOUND` / `POLICY_NOT_FOUND` for an ' +
  'unknown relying party or policy; 403 `USER_NOT_ACTIVE` unless the user is ACTIVE.';
const PASSKEY_REGISTRATION_COMPLETION =
  'The body is the browser’s RegistrationResponseJSON (plus an optional `name` and `context`). A response that ' +
  'does not verify (type, challenge, origin, rpId, user presence, user verification when the policy requires it, ' +
  'attestation) is a 400 `PASSKEY_REGISTRATION_FAILED` with its `reason`, and uses the session up; one that cannot ' +
  'be read is a 400 `INVALID_WEBAUTHN_RESPONSE` and leaves the session open. A credential id already registered ' +
  'for the relying party in this store is 409 `PASSKEY_ALREADY_REGISTERED`.';
const PASSKEY_AUTHENTICATION_COMPLETION =
  'The body is the browser’s AuthenticationResponseJSON (plus an optional `context`). Every verified or failed ' +
  'check completes the session and is an authentication audit (`type: Passkey`); a response that cannot be read is ' +
  'a 400 `INVALID_WEBAUTHN_RESPONSE` and leaves it open. A signature counter that does not grow (while either ' +
  'counter is non-zero) fails as `COUNTER_REGRESSION`, flagged in the audit; synced passkeys that always send 0 ' +
  'succeed.';

/**
 * What each implemented route accepts and answers, by operation id (the `…ByExtId` twins share their
 * entry). Operations of the table without an entry here must be `implemented: false`.
 */
const operationDocs: Record<string, OperationDoc> = {
  // ---- stores (identity service) ----
  createStore: {
    body: createStoreBodySchema,
    responses: { 201: storeSchema },
    problems: [400, 409],
    etag: true,
  },
  listStores: {
    query: pageQuery(['name', 'createdDtm', 'lastUpdatedDtm']),
    responses: {
      200: {
        schema: storePageSchema,
        description: 'A page of stores (only the key’s stores for a store-restricted key).',
      },
    },
    problems: [400],
  },
  getStore: { responses: { 200: storeSchema }, problems: [404], etag: true },
  updateStore: {
    body: updateStoreBodySchema,
    responses: { 200: storeSchema },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deleteStore: { responses: { 204: null }, problems: [404, 412], ifMatch: true },
  createTotpPolicy: {
    body: createTotpPolicyBodySchema,
    responses: { 201: { schema: storeSchema, description: 'The store with the new policy.' } },
    problems: [400, 404, 409],
    etag: true,
  },
  getTotpPolicy: { responses: { 200: totpPolicySchema }, problems: [404] },
  updateTotpPolicy: {
    body: updateTotpPolicyBodySchema,
    responses: { 200: { schema: storeSchema, description: 'The store with the updated policy.' } },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deleteTotpPolicy: {
    responses: { 200: { schema: storeSchema, description: 'The store without the policy.' } },
    problems: [404, 412],
    ifMatch: true,
    etag: true,
  },
  createPasscodePolicy: {
    body: createPasscodePolicyBodySchema,
    description:
      'Fields left out take the defaults the schema shows (a body may be just `{ "name": … }`). Besides the ' +
      'field schemas: `clientRules.minLength` ≤ `clientRules.maxLength`, and a `renewalWindow` only with a `validity`.',
    responses: { 201: { schema: storeSchema, description: 'The store with the new policy.' } },
    problems: [400, 404, 409],
    etag: true,
  },
  getPasscodePolicy: { responses: { 200: passcodePolicySchema }, problems: [404] },
  updatePasscodePolicy: {
    body: updatePasscodePolicyBodySchema,
    description:
      'Fields left out keep their value; `clientRules` may name a subset of its rules. The merged policy is ' +
      'validated as a whole (`minLength` ≤ `maxLength`, `renewalWindow` only with a `validity`).',
    responses: { 200: { schema: storeSchema, description: 'The store with the updated policy.' } },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deletePasscodePolicy: {
    responses: { 200: { schema: storeSchema, description: 'The store without the policy.' } },
    problems: [404, 412],
    ifMatch: true,
    etag: true,
  },
  createPasskeyConfig: {
    body: passkeyConfigSchema,
    description:
      'One configuration per `rpId` (409 `PASSKEY_CONFIG_EXISTS` for a taken one). `rpId` is a lowercase domain name; ' +
      'each origin is `https://<host>[:port]` (or `http://localhost[:port]` for development) whose host is the ' +
      '`rpId` or a subdomain of it, listed once. Policies are keyed by name (1–20 letters, digits or hyphens); fields ' +
      'left out take the defaults the schema shows. `hints` are ordered by decreasing preference, each at most once.',
    responses: { 201: { schema: storeSchema, description: 'The store with the new configuration.' } },
    problems: [400, 404, 409],
    etag: true,
  },
  getPasskeyConfig: { responses: { 200: passkeyConfigSchema }, problems: [404] },
  updatePasskeyConfig: {
    body: updatePasskeyConfigBodySchema,
    description:
      'Fields left out keep their value; `origins` replaces the list. In `registrationPolicies` and ' +
      '`authenticationPolicies` each named policy is added or replaced as a whole and `null` removes one; the others ' +
      'are kept. The configuration it produces is validated as a whole (origins against the `rpId`). 404 ' +
      '`PASSKEY_CONFIG_NOT_FOUND` for an unknown `rpId`.',
    responses: { 200: { schema: storeSchema, description: 'The store with the updated configuration.' } },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deletePasskeyConfig: {
    responses: { 200: { schema: storeSchema, description: 'The store without the configuration.' } },
    problems: [404, 412],
    ifMatch: true,
    etag: true,
  },

  // ---- users (identity service) ----
  createUser: {
    body: createUserBodySchema,
    responses: { 201: userSchema },
    problems: [400, 404, 409],
    etag: true,
  },
  listUsers: {
    query: pageQuery(['extId', 'status', 'createdDtm', 'lastUpdatedDtm']),
    responses: { 200: userPageSchema },
    problems: [400, 404],
  },
  getUser: { responses: { 200: userSchema }, problems: [404], etag: true },
  updateUser: {
    body: updateUserBodySchema,
    responses: { 200: userSchema },
    problems: [400, 404, 409, 412],
    ifMatch: true,
    etag: true,
  },
  deleteUser: { responses: { 204: null }, problems: [404, 412], ifMatch: true },

  // ---- TOTP (totp service) ----
  startTotpRegistration: {
    responses: {
      201: {
        schema: totpRegistrationResponseSchema,
        description: 'The pending TOTP: its secret (shown only here) and `otpauth://` URI, and the user.',
      },
    },
    problems: [400, 403, 404, 409],
  },
  completeTotpRegistration: {
    body: completeTotpRegistrationBodySchema,
    responses: {
      200: { schema: userSchema, description: 'The user, with the TOTP now ACTIVE in `summaryInfo`.' },
    },
    problems: [400, 404, 409],
  },
  getTotpRegistration: { responses: { 200: totpCredentialSchema }, problems: [404] },
  authenticateTotp: {
    body: authenticateTotpBodySchema,
    responses: {
      200: { schema: totpAuthenticationResponseSchema, description: 'The code is valid: `result: SUCCESS`.' },
      400: {
        schema: totpAuthenticationResponseSchema,
        description:
          'The code is wrong or was already used: `result: FAILURE` (application/json); or the request is invalid (problem).',
      },
    },
    problems: [400, 404, 409, 423],
    description:
      'A code is accepted once. Failed attempts count; at the policy’s `maxFailedAttempts` the TOTP locks (423).',
  },
  deregisterTotp: {
    responses: { 200: { schema: userSchema, description: 'The user, without the TOTP in `summaryInfo`.' } },
    problems: [404],
  },
  listTotps: { query: pageQuery([]), responses: { 200: totpCredentialPageSchema }, problems: [400, 404] },
  getTotp: { responses: { 200: totpCredentialSchema }, problems: [404] },
  updateTotp: {
    body: updateTotpBodySchema,
    responses: { 200: totpCredentialSchema },
    problems: [400, 404, 409],
  },
  deleteTotp: { responses: { 204: null }, problems: [404] },

  // ---- passcodes (passcode service) ----
  startPasscodeRegistration: {
    responses: {
      201: {
        schema: passcodeRegistrationStartResponseSchema,
        description: 'A registration session: the SRP identity, group and hash, and the client rules for the passcode.',
      },
    },
    problems: [403, 404, 409],
    description:
      'The client computes `verifier = g^x mod N` with `x = H(salt | H(identity | ":" | passcode))` (RFC 5054) and ' +
      'completes the session. 409 while the policy’s passcode is ACTIVE (and not expired) or SUSPENDED.',
  },
  completePasscodeRegistration: {
    body: completePasscodeRegistrationBodySchema,
    responses: { 200: { schema: userSchema, description: 'The user, with the passcode in `summaryInfo`.' } },
    problems: [403, 404, 409, 410],
    description:
      'Every SRP value that does not fit the session’s group is named in `errors` (`INVALID_SRP_VALUE`). ' +
      'A session is single-use, expires after 5 minutes (410) and belongs to its store (404 elsewhere).',
  },
  getPasscodeRegistration: { responses: { 200: passcodeResourceSchema }, problems: [404] },
  startPasscodeAuthentication: {
    responses: {
      201: {
        schema: passcodeAuthenticationStartResponseSchema,
        description: 'An authentication session: the passcode’s salt and the server’s B.',
      },
    },
    problems: [403, 404, 423],
    description:
      'Expired passcode: 400 `PASSCODE_EXPIRED`. SUSPENDED or REVOKED: 403. Locked after `maxFailedAttempts`: 423.',
  },
  completePasscodeAuthentication: {
    body: completePasscodeAuthenticationBodySchema,
    responses: {
      200: {
        schema: passcodeAuthenticationResponseSchema,
        description: 'M1 is right: `result: SUCCESS` and the server’s proof M2 for the client to check.',
      },
      400: {
        schema: passcodeAuthenticationResponseSchema,
        description:
          'M1 is wrong: `result: FAILURE` (application/json; a failed attempt); or the request is invalid, or the ' +
          'passcode expired (`PASSCODE_EXPIRED`) (problem).',
      },
    },
    problems: [403, 404, 410, 423],
    description:
      'Completes the session (success or failure; a request rejected as a problem leaves it open). Failed attempts ' +
      'count; at the policy’s `maxFailedAttempts` the passcode locks for `lockoutDuration` (423).',
  },
  startPasscodeRenewal: {
    responses: {
      201: {
        schema: passcodeRenewalStartResponseSchema,
        description: 'A renewal session: the challenge to prove the current passcode, and the rules for the new one.',
      },
    },
    problems: [403, 404, 409, 423],
    description:
      'For an ACTIVE, unlocked, unexpired passcode (expired: 400 `PASSCODE_EXPIRED`, register anew). With a policy ' +
      '`renewalWindow`, only from `expirationDtm − renewalWindow` on (earlier: 409 `PASSCODE_RENEWAL_NOT_OPEN`).',
  },
  completePasscodeRenewal: {
    body: completePasscodeRenewalBodySchema,
    responses: {
      200: {
        schema: passcodeRenewalResponseSchema,
        description: 'The proof of the current passcode is right: the new salt and verifier replace it; M2 for the client.',
      },
      400: {
        schema: passcodeRenewalResponseSchema,
        description: 'The proof is wrong: `result: FAILURE` (a failed attempt); or the request is invalid (problem).',
      },
    },
    problems: [403, 404, 409, 410, 423],
    description: 'The new verifier uses the passcode’s group and hash; the validity restarts.',
  },
  deregisterPasscode: {
    responses: { 200: { schema: userSchema, description: 'The user, without the passcode in `summaryInfo`.' } },
    problems: [404],
  },
  listPasscodes: { query: pageQuery([]), responses: { 200: passcodePageSchema }, problems: [400, 404] },
  getPasscode: { responses: { 200: passcodeResourceSchema }, problems: [404] },
  updatePasscode: {
    body: updatePasscodeBodySchema,
    responses: { 200: passcodeResourceSchema },
    problems: [400, 404, 409],
    description: 'REVOKED is final (409 afterwards). ACTIVE on a LOCKED passcode unlocks it.',
  },
  deletePasscode: { responses: { 204: null }, problems: [404] },

  // ---- passkeys (passkey service) ----
  startPasskeyRegistration: {
    responses: {
      201: {
        schema: passkeyRegistrationStartResponseSchema,
        description:
          'A registration session and the options for `navigator.credentials.create()` (with the policy’s `hints`).',
      },
    },
    problems: [403, 404],
    description: PASSKEY_START,
  },
  startStorePasskeyRegistration: {
    body: startStorePasskeyRegistrationBodySchema,
    responses: {
      201: { schema: passkeyRegistrationStartResponseSchema, description: 'As `startPasskeyRegistration`.' },
    },
    problems: [403, 404],
    description: `The user is named in the body (exactly one of \`userId\`, \`extId\`). ${PASSKEY_START}`,
  },
  completePasskeyRegistration: {
    body: completePasskeyRegistrationBodySchema,
    responses: { 200: { schema: userSchema, description: 'The user, with the passkey in `summaryInfo`.' } },
    problems: [403, 404, 409, 410],
    description: PASSKEY_REGISTRATION_COMPLETION,
  },
  registerPasskey: {
    body: registerPasskeyBodySchema,
    responses: { 200: { schema: userSchema, description: 'The user, with the passkey in `summaryInfo`.' } },
    problems: [403, 404, 409, 410],
    description:
      'One call instead of the session path: the body names the user, relying party and policy, and the ' +
      'session is the user’s open registration for them whose options carried the response’s challenge (404 ' +
      `\`PASSKEY_SESSION_NOT_FOUND\` for none). ${PASSKEY_REGISTRATION_COMPLETION}`,
  },
  startPasskeyAuthentication: {
    responses: {
      201: {
        schema: passkeyAuthenticationStartResponseSchema,
        description:
          'An authentication session and the options for `navigator.credentials.get()`: `allowCredentials` are the ' +
          'user’s ACTIVE passkeys of the relying party; with the policy’s `hints`.',
      },
    },
    problems: [403, 404],
    description: `404 \`PASSKEY_NOT_FOUND\` when the user has no ACTIVE passkey of the relying party. ${PASSKEY_START}`,
  },
  startUsernamelessPasskeyAuthentication: {
    body: startUsernamelessPasskeyAuthenticationBodySchema,
    responses: {
      201: {
        schema: passkeyAuthenticationStartResponseSchema,
        description: 'A usernameless session: options without `allowCredentials` (discoverable credentials).',
      },
    },
    problems: [404],
    description: `The response’s credential names the user (its user handle must be the user’s). ${PASSKEY_START}`,
  },
  completePasskeyAuthentication: {
    body: completePasskeyAuthenticationBodySchema,
    responses: {
      200: { schema: passkeyAuthenticationResponseSchema, description: 'Verified: `result: SUCCESS` and the user.' },
      400: {
        schema: passkeyAuthenticationResponseSchema,
        description:
          '`result: FAILURE` with the `reason` and the user where known (application/json); or the request is ' +
          'invalid (problem).',
      },
    },
    problems: [403, 404, 410],
    description: PASSKEY_AUTHENTICATION_COMPLETION,
  },
  authenticatePasskey: {
    body: authenticatePasskeyBodySchema,
    responses: {
      200: { schema: passkeyAuthenticationResponseSchema, description: 'Verified: `result: SUCCESS` and the user.' },
      400: {
        schema: passkeyAuthenticationResponseSchema,
        description: '`result: FAILURE` with the `reason` and the user (application/json); or the request is invalid (problem).',
      },
    },
    problems: [403, 404, 410],
    description:
      'One call instead of the session path: the body names the user, relying party and policy, and the session is ' +
      'the user’s open authentication for them whose options carried the response’s challenge (404 ' +
      `\`PASSKEY_SESSION_NOT_FOUND\` for none). ${PASSKEY_AUTHENTICATION_COMPLETION}`,
  },
  listPasskeys: { query: pageQuery([]), responses: { 200: passkeyPageSchema }, problems: [400, 404] },
  getPasskey: { responses: { 200: passkeyResourceSchema }, problems: [404] },
  updatePasskey: {
    body: updatePasskeyBodySchema,
    responses: { 200: passkeyResourceSchema },
    problems: [400, 404, 409],
    description: 'REVOKED is final (409 `PASSKEY_REVOKED` afterwards). Only ACTIVE passkeys authenticate.',
  },
  deletePasskey: { responses: { 204: null }, problems: [404] },

  // ---- audit (audit service) ----
  getAuthentication: { responses: { 200: authenticationAuditSchema }, problems: [404] },
  getPasskeyRegistrationAudit: {
    responses: { 200: registrationAuditSchema },
    problems: [404],
    description:
      'What the registration’s attestation said (format, AAGUID, transports, flags), the hints its options ' +
      'carried and the client context. Kept after the passkey is deleted.',
  },

  // ---- API keys (gateway) ----
  listApiKeys: {
    query: pageQuery(['id', 'name', 'createdDtm', 'lastUpdatedDtm']),
    responses: { 200: apiKeyPageSchema },
    problems: [400],
  },
  createApiKey: {
    body: createApiKeyBodySchema,
    responses: {
      201: { schema: createdApiKeySchema, description: 'The key, with the key string (shown once).' },
    },
    problems: [400],
    etag: true,
    location: 'The new key’s URL, `/api/arthr/apiKeys/{id}`.',
  },
  getApiKey: { responses: { 200: apiKeySchema }, problems: [404], etag: true },
  updateApiKey: {
    body: updateApiKeyBodySchema,
    responses: { 200: apiKeySchema },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deleteApiKey: { responses: { 204: null }, problems: [404, 412], ifMatch: true },
};

const docOf = (op: OperationDef): OperationDoc | undefined =>
  operationDocs[op.operationId] ?? operationDocs[op.operationId.replace(/ByExtId$/, '')];

// ---------------------------------------------------------------------------------------------
// Path parameters
// ---------------------------------------------------------------------------------------------

const userSegment = z.string().min(1).max(128);

/**
 * Every path parameter name a template of the table uses, with its schema and description. Each
 * becomes a component parameter (`#/components/parameters/<Name>`), referenced by the operations.
 */
const pathParameterDocs: Record<string, [z.ZodType, string]> = {
  storeName: [storeNameSchema, 'Store name.'],
  userId: [userSegment, 'Internal user id.'],
  extId: [userSegment, 'External user id (unique per store).'],
  policyName: [policyNameSchema, 'Policy name.'],
  regPolicyName: [policyNameSchema, 'Registration policy name of the relying party.'],
  authPolicyName: [policyNameSchema, 'Authentication policy name of the relying party.'],
  rpId: [z.string().min(1), 'Relying party id (for passkeys a domain name, e.g. `example.com`).'],
  sessionId: [z.string().min(1), 'Ceremony session id (single-use, expires, belongs to the store).'],
  id: [z.string().min(1).max(64), 'Resource id.'],
  deviceId: [z.string().min(1), 'Device id.'],
  keyId: [z.string().min(1), 'Appkey key id.'],
  type: [z.string().min(1), 'Biometric type, e.g. `face`.'],
};

/** Component names of the parameters (and of their schemas, which the generator names alike). */
const parameterComponentName = (name: string): string =>
  ({ id: 'ResourceId', type: 'BiometricType' })[name] ?? `${name.charAt(0).toUpperCase()}${name.slice(1)}`;

/** Copies of the schemas above, named as parameter components (the shared schemas stay unnamed). */
const namedPathParameters = (): Record<string, z.ZodType> =>
  Object.fromEntries(
    Object.entries(pathParameterDocs).map(([name, [schema, description]]) => {
      const parameter = schema.clone();
      zodToOpenAPIRegistry.add(parameter, {
        param: { name, in: 'path', description },
        _internal: { refId: parameterComponentName(name) },
      });
      return [name, parameter];
    }),
  );

const paramsOf = (path: string, pathParameters: Record<string, z.ZodType>): z.ZodObject | undefined => {
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
  if (names.length === 0) return undefined;
  return z.object(
    Object.fromEntries(
      names.map((name) => {
        const schema = pathParameters[name];
        if (!schema) throw new Error(`openapi: no schema for the path parameter {${name}} of ${path}`);
        return [name, schema];
      }),
    ),
  );
};

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

const problemResponses: Record<ProblemStatus, { name: string; description: string }> = {
  400: {
    name: 'BadRequest',
    description:
      'Validation failed (every bad field is listed in `errors`), or the body is not valid JSON (`MALFORMED_JSON`).',
  },
  401: { name: 'Unauthorized', description: 'No, invalid or expired credentials.' },
  403: {
    name: 'Forbidden',
    description:
      'The API key lacks the operation’s permission (`x-permission`) or the store; or the user is not ACTIVE.',
  },
  404: { name: 'NotFound', description: 'Unknown store, user, policy, session, credential or resource.' },
  409: {
    name: 'Conflict',
    description: 'Duplicate (store name, extId, policy name, credential already registered) or wrong state.',
  },
  412: { name: 'PreconditionFailed', description: 'The `If-Match` version is stale.' },
  410: { name: 'Gone', description: 'The ceremony session has expired.' },
  423: { name: 'Locked', description: 'The user or the credential is locked.' },
  413: { name: 'ContentTooLarge', description: 'The body is larger than 256 kB (`CONTENT_TOO_LARGE`).' },
  415: {
    name: 'UnsupportedMediaType',
    description: 'A body that is not JSON in UTF-8 (`application/json`) (`UNSUPPORTED_MEDIA_TYPE`).',
  },
  429: { name: 'TooManyRequests', description: 'Rate limited; see `Retry-After`.' },
  501: {
    name: 'NotImplemented',
    description: 'Part of the contract, not implemented yet (`code: NOT_IMPLEMENTED`).',
  },
};

const successDescriptions: Record<SuccessStatus, string> = {
  200: 'OK.',
  201: 'Created.',
  204: 'Done; no content.',
};

const ifMatchHeaders = z.object({
  'If-Match': z
    .string()
    .optional()
    .describe('Optimistic concurrency: the `ETag` of the version this write is based on, e.g. `W/"3"`.'),
});

const serviceNames: Record<ServiceName, string> = {
  identity: 'identity',
  totp: 'TOTP',
  audit: 'audit',
  passcode: 'passcode',
  passkey: 'passkey',
  appkey: 'appkey',
  biometric: 'biometric',
};

const tagOf = (op: OperationDef): string => (op.path.startsWith('/api/arthr/') ? 'apiKeys' : op.service);

const BODY_PROBLEMS: ProblemStatus[] = [400, 413, 415];

const responsesOf = (op: OperationDef, doc: OperationDoc | undefined): RouteConfig['responses'] => {
  const responses: RouteConfig['responses'] = {};
  // Any request may carry a body, and every body is read before the operation runs: one that is
  // not JSON (400), too large (413) or of another media type (415) is refused whatever the operation.
  const problems: ProblemStatus[] = [...BODY_PROBLEMS, 401, 403, ...(doc ? (doc.problems ?? []) : [501 as const])];
  for (const [status, entry] of Object.entries(doc?.responses ?? {}) as [string, ResponseDoc][]) {
    const { schema, description } =
      entry === null || entry instanceof z.ZodType
        ? { schema: entry, description: successDescriptions[Number(status) as SuccessStatus] }
        : entry;
    const response: ResponseConfig = { description };
    if (schema) response.content = { [JSON_MEDIA]: { schema } };
    if (Number(status) < 300 && (doc?.etag || doc?.location))
      response.headers = {
        ...(doc.etag ? { ETag: ref('headers', 'ETag') } : {}),
        ...(doc.location ? { Location: { description: doc.location, schema: { type: 'string' } } } : {}),
      };
    if (problems.includes(Number(status) as ProblemStatus))
      response.content = { ...response.content, [PROBLEM_MEDIA]: { schema: ref('schemas', 'Problem') } };
    responses[status] = response;
  }
  for (const status of [...new Set(problems)].sort((a, b) => a - b)) {
    if (responses[status]) continue;
    responses[status] = ref('responses', problemResponses[status].name);
  }
  return responses;
};

const routeOf = (op: OperationDef, pathParameters: Record<string, z.ZodType>): RouteConfig => {
  // Not implemented: parameters and the 501 only, whatever the table says.
  const doc = op.implemented ? docOf(op) : undefined;
  if (op.implemented && !doc) throw new Error(`openapi: no request/response entry for ${op.operationId}`);
  const twin = op.operationId.endsWith('ByExtId') ? op.operationId.replace(/ByExtId$/, '') : undefined;
  const description = [
    doc?.description,
    twin ? `Same as \`${twin}\`, the user addressed by its external id.` : undefined,
    op.implemented
      ? undefined
      : `Part of the API contract, not implemented yet: answered 501 Not Implemented until the ${serviceNames[op.service]} service lands.`,
    `Permission: \`${op.permission}\`.`,
  ]
    .filter(Boolean)
    .join('\n\n');
  const params = paramsOf(op.path, pathParameters);
  return {
    method: op.method.toLowerCase() as RouteConfig['method'],
    path: op.path,
    operationId: op.operationId,
    summary: op.summary,
    description,
    tags: [tagOf(op)],
    request: {
      ...(params ? { params } : {}),
      ...(doc?.query ? { query: doc.query } : {}),
      ...(doc?.ifMatch ? { headers: ifMatchHeaders } : {}),
      ...(doc?.body ? { body: { required: true, content: { [JSON_MEDIA]: { schema: doc.body } } } } : {}),
    },
    responses: responsesOf(op, doc),
    'x-permission': op.permission,
    'x-service': op.path.startsWith('/api/arthr/') ? 'gateway' : op.service,
    ...(op.implemented ? {} : { 'x-implemented': false }),
  };
};

const issueTokenRoute: RouteConfig = {
  method: 'post',
  path: '/api/arthr/apiKeys/issue',
  operationId: 'issueToken',
  summary: 'Exchange an API key (X-Api-Key header) for a bearer token',
  description:
    'Send the API key in the `X-Api-Key` header; the answer is a signed JWT for `Authorization: Bearer <token>` ' +
    'and its lifetime in seconds. Failed attempts are rate-limited per client address (429 with `Retry-After`). ' +
    'The only operation that needs no bearer token.',
  tags: ['apiKeys'],
  security: [{ apiKey: [] }],
  responses: {
    200: {
      description: 'The token (`Cache-Control: no-store`).',
      content: { [JSON_MEDIA]: { schema: issuedTokenSchema } },
    },
    401: {
      description: 'The X-Api-Key header is missing, or the key is unknown, revoked or wrong.',
      ...ref('responses', 'Unauthorized'),
    },
    429: ref('responses', 'TooManyRequests'),
    ...Object.fromEntries(BODY_PROBLEMS.map((status) => [status, ref('responses', problemResponses[status].name)])),
  },
  'x-service': 'gateway',
};

// ---------------------------------------------------------------------------------------------
// Document
// ---------------------------------------------------------------------------------------------

const tags = [
  { name: 'identity', description: 'Stores, their policies and configurations, users (identity service).' },
  { name: 'totp', description: 'TOTP credentials, RFC 6238 (TOTP service).' },
  { name: 'audit', description: 'Authentication and registration audit records (audit service).' },
  {
    name: 'passcode',
    description: 'Client-validated passwords, SRP-6a as RFC 5054 (passcode service).',
  },
  { name: 'passkey', description: 'Passkeys, WebAuthn L3 (passkey service).' },
  { name: 'appkey', description: 'Device-bound app keys (appkey service; not implemented yet).' },
  { name: 'biometric', description: 'Biometrics (biometric service; not implemented yet).' },
  { name: 'apiKeys', description: 'API keys and bearer tokens of API clients (gateway).' },
];

/** What a topic's messages are keyed by, where not just the user id. */
const messageKeys: Partial<Record<keyof typeof topics, string>> = {
  identity: 'user id; store id for store events',
  passkey: 'user id; store id for a usernameless session’s events before a credential names the user',
};

const eventsExtension = () => ({
  description:
    'Integration events on Kafka. Every message value is an IntegrationEventEnvelope (JSON) whose `data` matches ' +
    'the schema of its `type` and `version`; the message key is the user id (the store id for store events). ' +
    'Consumers must tolerate unknown types. Events never carry secrets.',
  envelope: ref('schemas', 'IntegrationEventEnvelope'),
  topics: Object.fromEntries(
    (Object.keys(topics) as (keyof typeof topics)[]).map((key) => {
      const events = Object.values(publishedEvents[key]);
      return [
        topics[key],
        {
          service: key,
          key: messageKeys[key] ?? 'user id',
          ...(events.length === 0
            ? { description: `Reserved: published once the ${key} service lands.` }
            : {}),
          events: Object.fromEntries(
            events.map((definition) => [
              definition.type,
              { version: definition.version, data: ref('schemas', eventDataSchemaName(definition.type)) },
            ]),
          ),
        },
      ];
    }),
  ),
});

const infoDescription = (): string => {
  const topicLines = (Object.keys(topics) as (keyof typeof topics)[]).map((key) => {
    const types = Object.keys(publishedEvents[key]);
    return `- \`${topics[key]}\`: ${types.length ? types.map((t) => `\`${t}\``).join(', ') : 'reserved (not published yet)'}`;
  });
  return [
    'Self-hostable, event-sourced identity store: stores, users and their credentials.',
    '',
    '**Authentication.** `POST /api/arthr/apiKeys/issue` with header `X-Api-Key` returns `{ token, ttl }`; every other ' +
      'operation needs `Authorization: Bearer <token>`. API keys carry permissions `IdentityStore:<operationId>` ' +
      '(shown per operation as `x-permission`) or `IdentityStore:*`, and optionally a list of stores.',
    '',
    '**Conventions.** User-scoped operations exist twice: by internal id and, with a trailing `/ext`, by external id. ' +
      '`POST` on a resource updates it, on a collection creates. Lists are pages `{ content, page, size, totalElements, totalPages }`. ' +
      'Resources carry a weak `ETag`; writes may send `If-Match` (412 when stale). Errors are RFC 9457 problems ' +
      '(`application/problem+json`), also for requests refused before any operation is matched: a request target ' +
      'that is not ASCII or malformed headers (400 `MALFORMED_REQUEST`), a request line and headers over 16 KiB ' +
      '(431 `HEADERS_TOO_LARGE`), a path of no operation (404 `ROUTE_NOT_FOUND`). Operations marked `x-implemented: false` are part of the contract and answer ' +
      '501 Not Implemented until their service lands.',
    '',
    '**Events.** Integration events are published to Kafka, one topic per credential kind plus identity; each message ' +
      'is an `IntegrationEventEnvelope` keyed by user id (store id for store events). Topics, event types, versions ' +
      'and data schemas are listed in the `x-events` extension:',
    ...topicLines,
  ].join('\n');
};

const generate = (): Record<string, unknown> => {
  for (const [name, schema] of componentSchemas) nameSchema(name, schema);
  for (const [schema, metadata] of schemaAnnotations)
    zodToOpenAPIRegistry.add(schema, { ...metadata, ...zodToOpenAPIRegistry.get(schema) });
  const pathParameters = namedPathParameters();

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A token from `POST /api/arthr/apiKeys/issue`.',
  });
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Api-Key',
    description: 'An API key; only for `POST /api/arthr/apiKeys/issue`.',
  });
  registry.registerComponent('headers', 'ETag', {
    description: 'Weak entity tag of the resource version, `W/"<version>"`; send it back as `If-Match`.',
    schema: { type: 'string' },
  });
  for (const { name, description } of Object.values(problemResponses)) {
    registry.registerComponent('responses', name, {
      description,
      content: { [PROBLEM_MEDIA]: { schema: ref('schemas', 'Problem') } },
    });
  }
  registry.registerPath(issueTokenRoute);
  for (const op of [...operations, ...apiKeyOperations]) registry.registerPath(routeOf(op, pathParameters));

  const generator = new OpenApiGeneratorV31([
    ...registry.definitions,
    ...componentSchemas.map(([, schema]) => ({ type: 'schema' as const, schema })),
    ...Object.values(pathParameters).map((schema) => ({ type: 'parameter' as const, schema })),
  ]);
  const document: Record<string, unknown> = {
    ...generator.generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'identity-store API',
        version: API_VERSION,
        description: infoDescription(),
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      security: [{ bearer: [] }],
      tags,
      'x-events': eventsExtension(),
    }),
  };
  // The generator always adds these; empty, they say nothing.
  const components = document.components as Record<string, unknown>;
  for (const key of Object.keys(components))
    if (Object.keys(components[key] as object).length === 0) delete components[key];
  if (Object.keys((document.webhooks as object | undefined) ?? {}).length === 0) delete document.webhooks;
  return nullableRefsAsAnyOf(document) as Record<string, unknown>;
};

/**
 * zod-to-openapi renders a nullable named schema as `allOf: [{$ref}, {type: [object, null]}]`, which
 * no `null` satisfies (the `$ref` refuses it): `anyOf: [{$ref}, {type: null}]` says what the API
 * takes (found by the API fuzzer's schema check: a passkey config update's `null`, which removes a
 * policy, did not validate against the document).
 */
const nullableRefsAsAnyOf = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(nullableRefsAsAnyOf);
  if (node === null || typeof node !== 'object') return node;
  const { allOf, ...rest } = node as Record<string, unknown>;
  const [target, nullable, ...more] = Array.isArray(allOf) ? (allOf as Record<string, unknown>[]) : [];
  const types = nullable?.type;
  const nullableRef =
    nullable !== undefined &&
    typeof target?.$ref === 'string' &&
    more.length === 0 &&
    Array.isArray(types) &&
    types.includes('null') &&
    Object.keys(nullable).every((key) => key === 'type');
  if (nullableRef) return { ...mapValues(rest), anyOf: [target, { type: 'null' }] };
  return mapValues(node as Record<string, unknown>);
};
const mapValues = (object: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(object).map(([key, value]) => [key, nullableRefsAsAnyOf(value)]));

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};

let cached: object | undefined;

/** The OpenAPI 3.1 document of the API (built once, then cached; frozen). */
export const buildOpenApiDocument = (): object => (cached ??= deepFreeze(generate()));

/** The document as `docs/openapi.json` holds it: 2-space indented JSON with a trailing newline. */
export const renderOpenApiJson = (): string => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
