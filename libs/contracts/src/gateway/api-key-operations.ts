import { z } from 'zod';
import { dtmSchema, pageOf, pageQuerySchema, storeNameSchema } from '../api/common';
import { defineOperations } from '../api/operation-table';

// The API keys' schemas as the document shows them. TODO(issue 9): once
// `gateway/api-key-resources.ts` (the gateway's stricter schemas: trim, permission refinement)
// is on main, import them from there and drop these.
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
const createApiKeyDocBodySchema = z.strictObject({
  name: z.string().min(1).max(100),
  permissions: apiKeyPermissionsSchema,
  stores: apiKeyStoresSchema.optional().default(null),
});
const updateApiKeyDocBodySchema = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  permissions: apiKeyPermissionsSchema.optional(),
  stores: apiKeyStoresSchema.optional(),
});
export const issuedTokenSchema = z.object({
  token: z.string().describe('A signed JWT (HS256); send it as `Authorization: Bearer <token>`.'),
  ttl: z.number().int().positive().describe('Lifetime of the token in seconds (default 900).'),
});
const apiKeyPageSchema = pageOf(apiKeySchema);

const KEYS = '/api/arthr/apiKeys';

/**
 * API-key management, answered by the gateway itself (`service` is the identity service's: it
 * owns the permissions). The token endpoint (`POST /api/arthr/apiKeys/issue`) is no operation of
 * the table: it needs no bearer token and no permission.
 */
export const apiKeyOperationTable = defineOperations({
  listApiKeys: {
    method: 'GET', path: KEYS, service: 'identity', summary: 'List API keys',
    query: pageQuerySchema,
    sortFields: ['id', 'name', 'createdDtm', 'lastUpdatedDtm'],
    responses: { 200: apiKeyPageSchema },
    problems: [400],
  },
  createApiKey: {
    method: 'POST', path: KEYS, service: 'identity', summary: 'Create an API key',
    body: createApiKeyDocBodySchema,
    responses: {
      201: { schema: createdApiKeySchema, description: 'The key, with the key string (shown once).' },
    },
    problems: [400],
    etag: true,
    location: 'The new key’s URL, `/api/arthr/apiKeys/{id}`.',
  },
  getApiKey: {
    method: 'GET', path: `${KEYS}/{id}`, service: 'identity', summary: 'Get an API key',
    responses: { 200: apiKeySchema }, problems: [404], etag: true,
  },
  updateApiKey: {
    method: 'POST', path: `${KEYS}/{id}`, service: 'identity', summary: 'Update an API key',
    body: updateApiKeyDocBodySchema,
    responses: { 200: apiKeySchema },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deleteApiKey: {
    method: 'DELETE', path: `${KEYS}/{id}`, service: 'identity', summary: 'Revoke an API key',
    responses: { 204: null }, problems: [404, 412], ifMatch: true,
  },
});

/** The API-key schemas the API document names (component name, schema). */
export const apiKeyComponents: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['ApiKey', apiKeySchema],
  ['ApiKeyPage', apiKeyPageSchema],
  ['CreatedApiKey', createdApiKeySchema],
  ['CreateApiKeyBody', createApiKeyDocBodySchema],
  ['UpdateApiKeyBody', updateApiKeyDocBodySchema],
  ['IssuedToken', issuedTokenSchema],
];
