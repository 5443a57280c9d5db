import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
  zodToOpenAPIRegistry,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { integrationEventEnvelope } from '../events/event';
import { publishedEvents } from '../events/published-events';
import { auditComponents } from '../audit/audit-operations';
import { apiKeyComponents } from '../gateway/api-key-operations';
import { identityComponents } from '../identity/identity-operations';
import { passcodeComponents } from '../passcode/passcode-operations';
import { appkeyComponents } from '../appkey/appkey-operations';
import { biometricComponents } from '../biometric/biometric-operations';
import { passkeyComponents } from '../passkey/passkey-operations';
import { totpComponents } from '../totp/totp-operations';
import { documentedPageQuery, pageQuerySchema, problemSchema } from './common';
import {
  eventDataSchemaName,
  eventsExtension,
  ifMatchHeaders,
  infoDescription,
  problemResponses,
  consistencyTokenRequestHeaders,
  ref,
  schemaAnnotations,
  serviceNames,
  BODY_PROBLEMS,
  issueTokenRoute,
  successDescriptions,
  tags,
} from './openapi-parts';
import type { OperationDef, ProblemStatus, ResponseDoc, SuccessStatus } from './operation-table';
import { apiKeyOperations, operations } from './operations';
import { pathParamNames, pathParameters } from './path-parameters';

/**
 * The OpenAPI 3.1 document of the whole API, rendered from the families' operation tables
 * (`<family>/<family>-operations.ts`, concatenated in `operations`, `apiKeyOperations`) with
 * `@asteasolutions/zod-to-openapi`. This file holds no schemas: bodies, responses and problems are
 * the rows', path parameters are `pathParameters`, the fixed parts are in `openapi-parts.ts`.
 *
 * - Every operation of the tables is documented (path parameters come from its path template).
 *   Operations not implemented yet are documented with their parameters and a 501 problem only.
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

/** [component name, schema]; the schema objects themselves are named (see the file comment). */
const componentSchemas: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['Problem', problemSchema],
  ...identityComponents,
  ...totpComponents,
  ...passcodeComponents,
  ...passkeyComponents,
  ...appkeyComponents,
  ...biometricComponents,
  ...auditComponents,
  ...apiKeyComponents,
  ['IntegrationEventEnvelope', integrationEventEnvelope],
  ...Object.values(publishedEvents).flatMap((events) =>
    Object.values(events).map(
      (definition) => [eventDataSchemaName(definition.type), definition.schema] as const,
    ),
  ),
];

/** Names the schema object in zod-to-openapi's registry (first name wins; other metadata kept). */
const nameSchema = (name: string, schema: z.ZodType): void => {
  const current = zodToOpenAPIRegistry.get(schema);
  if (current?._internal?.refId) return;
  zodToOpenAPIRegistry.add(schema, { ...current, _internal: { ...current?._internal, refId: name } });
};

/**
 * The path parameters as named components (`#/components/parameters/<Name>`): copies of the shared
 * schemas (which stay unnamed where bodies use them), referenced by the operations.
 */
const namedPathParameters = (): Record<string, z.ZodType> =>
  Object.fromEntries(
    Object.entries(pathParameters).map(([name, { schema, description, componentName }]) => {
      const parameter = schema.clone();
      zodToOpenAPIRegistry.add(parameter, {
        param: { name, in: 'path', description },
        _internal: { refId: componentName },
      });
      return [name, parameter];
    }),
  );

const paramsOf = (path: string, named: Record<string, z.ZodType>): z.ZodObject | undefined => {
  const names = pathParamNames(path);
  if (names.length === 0) return undefined;
  return z.object(
    Object.fromEntries(
      names.map((name) => {
        const schema = named[name];
        if (!schema) throw new Error(`openapi: no schema for the path parameter {${name}} of ${path}`);
        return [name, schema];
      }),
    ),
  );
};

/** The query as documented: a page query shows its plain (not coercing) form and its sort fields. */
const queryOf = (op: OperationDef): z.ZodObject | undefined =>
  op.query === pageQuerySchema ? documentedPageQuery(op.sortFields ?? []) : op.query;

const tagOf = (op: OperationDef): string => (op.path.startsWith('/api/arthr/') ? 'apiKeys' : op.service);

/** Operations of the identity-store API (not the gateway's API keys) take part in read-your-writes. */
const readsYourWrites = (op: OperationDef) => op.path.startsWith('/api/identity-store/');

const responsesOf = (doc: OperationDef | undefined): RouteConfig['responses'] => {
  const responses: RouteConfig['responses'] = {};
  const isRead = doc?.method === 'GET';
  const tokens = doc !== undefined && readsYourWrites(doc);
  // Any request may carry a body, and every body is read before the operation runs: one that is
  // not JSON (400), too large (413) or of another media type (415) is refused whatever the operation.
  const problems: ProblemStatus[] = [
    ...BODY_PROBLEMS,
    // A public operation takes no token, so it is never refused for one.
    ...(doc?.public ? [] : ([401, 403] as const)),
    ...(doc ? (doc.problems ?? []) : [501 as const]),
    ...(tokens && isRead ? [503 as const] : []),
  ];
  for (const [status, entry] of Object.entries(doc?.responses ?? {}) as [string, ResponseDoc][]) {
    const { schema, description } =
      entry === null || entry instanceof z.ZodType
        ? { schema: entry, description: successDescriptions[Number(status) as SuccessStatus] }
        : entry;
    const response: ResponseConfig = { description };
    if (schema) response.content = { [doc?.mediaType ?? JSON_MEDIA]: { schema } };
    const writeToken = tokens && !isRead;
    if (Number(status) < 300 && (doc?.etag || doc?.location || writeToken))
      response.headers = {
        ...(doc?.etag ? { ETag: ref('headers', 'ETag') } : {}),
        ...(doc?.location ? { Location: { description: doc.location, schema: { type: 'string' } } } : {}),
        ...(writeToken ? { 'Consistency-Token': ref('headers', 'ConsistencyToken') } : {}),
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

const routeOf = (op: OperationDef, namedParameters: Record<string, z.ZodType>): RouteConfig => {
  // Not implemented: parameters and the 501 only, whatever the table says.
  const doc = op.implemented ? op : undefined;
  if (doc && !doc.responses) throw new Error(`openapi: no responses for ${op.operationId}`);
  const twin = op.operationId.endsWith('ByExtId') ? op.operationId.replace(/ByExtId$/, '') : undefined;
  const description = [
    doc?.description,
    twin ? `Same as \`${twin}\`, the user addressed by its external id.` : undefined,
    op.implemented
      ? undefined
      : `Part of the API contract, not implemented yet: answered 501 Not Implemented until the ${serviceNames[op.service]} service lands.`,
    op.public ? 'Public: no token, no permission.' : `Permission: \`${op.permission}\`.`,
  ]
    .filter(Boolean)
    .join('\n\n');
  const params = paramsOf(op.path, namedParameters);
  return {
    method: op.method.toLowerCase() as RouteConfig['method'],
    path: op.path,
    operationId: op.operationId,
    summary: op.summary,
    description,
    tags: [tagOf(op)],
    request: {
      ...(params ? { params } : {}),
      ...(doc?.query ? { query: queryOf(doc) } : {}),
      ...(doc?.ifMatch ? { headers: ifMatchHeaders } : {}),
      ...(doc?.method === 'GET' && readsYourWrites(doc) ? { headers: consistencyTokenRequestHeaders } : {}),
      ...(doc?.body ? { body: { required: true, content: { [JSON_MEDIA]: { schema: doc.body } } } } : {}),
    },
    responses: responsesOf(doc),
    ...(op.public ? { security: [] } : { 'x-permission': op.permission }),
    'x-service': op.path.startsWith('/api/arthr/') ? 'gateway' : op.service,
    ...(op.implemented ? {} : { 'x-implemented': false }),
  };
};

const generate = (): Record<string, unknown> => {
  for (const [name, schema] of componentSchemas) nameSchema(name, schema);
  for (const [schema, metadata] of schemaAnnotations)
    zodToOpenAPIRegistry.add(schema, { ...metadata, ...zodToOpenAPIRegistry.get(schema) });
  const namedParameters = namedPathParameters();

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
  registry.registerComponent('headers', 'ConsistencyToken', {
    description:
      'The stream positions this write appended (opaque; present when it changed something). Send it back with later reads to see at least this write.',
    schema: { type: 'string' },
  });
  for (const { name, description } of Object.values(problemResponses)) {
    registry.registerComponent('responses', name, {
      description,
      content: { [PROBLEM_MEDIA]: { schema: ref('schemas', 'Problem') } },
    });
  }
  registry.registerPath(issueTokenRoute);
  // Store-level operations first, then the user-scoped ones, each family in table order.
  const userScoped = (op: OperationDef) => /\/users\/\{(userId|extId)\}/.test(op.path);
  const ordered = [...operations.filter((op) => !userScoped(op)), ...operations.filter(userScoped)];
  for (const op of [...ordered, ...apiKeyOperations]) registry.registerPath(routeOf(op, namedParameters));

  const generator = new OpenApiGeneratorV31([
    ...registry.definitions,
    ...componentSchemas.map(([, schema]) => ({ type: 'schema' as const, schema })),
    ...Object.values(namedParameters).map((schema) => ({ type: 'parameter' as const, schema })),
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
