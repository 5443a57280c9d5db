import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { topics } from '../events/event';
import { publishedEvents } from '../events/published-events';
import { issuedTokenSchema } from '../gateway/api-key-resources';
import { isoDurationSchema, storedIsoDurationSchema } from './common';
import type { ProblemStatus, ServiceName, SuccessStatus } from './operation-table';

/**
 * The fixed parts of the OpenAPI document (what `openapi.ts` renders around the operation tables):
 * the shared problem responses, tags, the info text and the `x-events` extension.
 */

export const ref = (kind: 'schemas' | 'responses' | 'headers' | 'securitySchemes', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

export const eventDataSchemaName = (type: string) => `${type}EventData`;

/**
 * Shared contract schemas that stay inline (a `$ref` would lose the `default` of the fields using
 * them) but deserve a description where they appear.
 */
export const schemaAnnotations: ReadonlyArray<
  readonly [z.ZodType, { description: string; examples?: unknown[] }]
> = [
  [
    isoDurationSchema,
    {
      description:
        'ISO-8601 duration, e.g. `PT15M` or `P90D`; at most `P10Y` (a year counted as 365.2425 days).',
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

export const problemResponses: Record<ProblemStatus, { name: string; description: string }> = {
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
  503: {
    name: 'ServiceUnavailable',
    description:
      'A service it needs is unavailable, or the writes its `Consistency-Token` names were not visible within the bound (`CONSISTENCY_TIMEOUT`); retry after `Retry-After` seconds.',
  },
  501: {
    name: 'NotImplemented',
    description: 'Part of the contract, not implemented yet (`code: NOT_IMPLEMENTED`).',
  },
};

export const successDescriptions: Record<SuccessStatus, string> = {
  200: 'OK.',
  201: 'Created.',
  204: 'Done; no content.',
};

export const ifMatchHeaders = z.object({
  'If-Match': z
    .string()
    .optional()
    .describe('Optimistic concurrency: the `ETag` of the version this write is based on, e.g. `W/"3"`.'),
});

/** Reads of the identity-store API: wait for the writes of their `Consistency-Token` first. */
export const consistencyTokenRequestHeaders = z.object({
  'Consistency-Token': z
    .string()
    .optional()
    .describe(
      'Read your writes: the `Consistency-Token` of earlier writes (several comma-separated). The read waits until they are visible (bounded), else 503 `CONSISTENCY_TIMEOUT`; malformed: 400 `INVALID_CONSISTENCY_TOKEN`.',
    ),
});

export const serviceNames: Record<ServiceName, string> = {
  identity: 'identity',
  totp: 'TOTP',
  audit: 'audit',
  passcode: 'passcode',
  passkey: 'passkey',
  appkey: 'appkey',
  biometric: 'biometric',
};

export const tags = [
  { name: 'identity', description: 'Stores, their policies and configurations, users (identity service).' },
  { name: 'totp', description: 'TOTP credentials, RFC 6238 (TOTP service).' },
  { name: 'audit', description: 'Authentication and registration audit records (audit service).' },
  {
    name: 'passcode',
    description: 'Client-validated passwords, SRP-6a as RFC 5054 (passcode service).',
  },
  { name: 'passkey', description: 'Passkeys, WebAuthn L3 (passkey service).' },
  { name: 'appkey', description: 'Device-bound app keys over FIDO UAF 1.1, with push to preferred devices (appkey service).' },
  { name: 'biometric', description: 'Face biometrics: enrolment, 1:1 matching with a face-embedding model, liveness, lockout (biometric service).' },
  { name: 'apiKeys', description: 'API keys and bearer tokens of API clients (gateway).' },
];

/** What a topic's messages are keyed by, where not just the user id. */
const messageKeys: Partial<Record<keyof typeof topics, string>> = {
  identity: 'user id; store id for store events',
  passkey: 'user id; store id for a usernameless session’s events before a credential names the user',
};

export const eventsExtension = () => ({
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

export const infoDescription = (): string => {
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

/** Every body is read before the operation runs: one not JSON, too large or of another media type is refused. */
export const BODY_PROBLEMS: ProblemStatus[] = [400, 413, 415];

/** The token endpoint: no operation of the tables (no bearer token, no permission). */
export const issueTokenRoute: RouteConfig = {
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
      content: { 'application/json': { schema: issuedTokenSchema } },
    },
    401: {
      description: 'The X-Api-Key header is missing, or the key is unknown, revoked or wrong.',
      ...ref('responses', 'Unauthorized'),
    },
    429: ref('responses', 'TooManyRequests'),
    ...Object.fromEntries(
      BODY_PROBLEMS.map((status) => [status, ref('responses', problemResponses[status].name)]),
    ),
  },
  'x-service': 'gateway',
};
