import type { z } from 'zod';
import { pageOf, pageQuerySchema } from '../api/common';
import { defineOperations } from '../api/operation-table';
import {
  apiKeyResourceSchema,
  createApiKeyBodySchema,
  createdApiKeyResourceSchema,
  issuedTokenSchema,
  updateApiKeyBodySchema,
} from './api-key-resources';

export const apiKeyPageSchema = pageOf(apiKeyResourceSchema);

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
    body: createApiKeyBodySchema,
    responses: {
      201: { schema: createdApiKeyResourceSchema, description: 'The key, with the key string (shown once).' },
    },
    problems: [400],
    etag: true,
    location: 'The new key’s URL, `/api/arthr/apiKeys/{id}`.',
  },
  getApiKey: {
    method: 'GET', path: `${KEYS}/{id}`, service: 'identity', summary: 'Get an API key',
    responses: { 200: apiKeyResourceSchema }, problems: [404], etag: true,
  },
  updateApiKey: {
    method: 'POST', path: `${KEYS}/{id}`, service: 'identity', summary: 'Update an API key',
    body: updateApiKeyBodySchema,
    responses: { 200: apiKeyResourceSchema },
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
  ['ApiKey', apiKeyResourceSchema],
  ['ApiKeyPage', apiKeyPageSchema],
  ['CreatedApiKey', createdApiKeyResourceSchema],
  ['CreateApiKeyBody', createApiKeyBodySchema],
  ['UpdateApiKeyBody', updateApiKeyBodySchema],
  ['IssuedToken', issuedTokenSchema],
];
