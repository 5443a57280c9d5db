import { z } from 'zod';
import { dtmSchema, storeNameSchema } from '../api/common';
import { type OperationDef, registeredTables } from '../api/operation-table';

/**
 * The gateway's API-key resources: the one definition of what its management API accepts and
 * answers, for the gateway's handlers (validation) and the OpenAPI document (rendering).
 */

/** The permission that grants every operation. */
export const WILDCARD_PERMISSION = 'IdentityStore:*';

/**
 * Permissions an API key can carry: `IdentityStore:<operationId>` of an operation of the tables
 * (the `/ext` twins share their internal-id operation's permission) or the wildcard.
 */
export const permissionCatalogue = (
  tables: readonly OperationDef[][] = registeredTables(),
): Set<string> => new Set([WILDCARD_PERMISSION, ...tables.flat().map((op) => op.permission)]);

// Built on first use: the API-key operation table imports these schemas, so the tables are not
// complete yet while this module loads.
let knownPermissions: Set<string> | undefined;

export const isKnownPermission = (permission: string): boolean => {
  if (!knownPermissions && registeredTables().length > 0) knownPermissions = permissionCatalogue();
  return (knownPermissions ?? permissionCatalogue()).has(permission);
};

// Refined per element, so an unknown permission is reported even when another element is not a string.
const apiKeyPermissionSchema = z.string().superRefine((permission, ctx) => {
  if (!isKnownPermission(permission))
    ctx.addIssue({
      code: 'custom',
      message: `unknown permission "${permission}": expected IdentityStore:<operationId> of an API operation, or IdentityStore:*`,
    });
});

export const apiKeyPermissionsSchema = z
  .array(apiKeyPermissionSchema)
  .min(1, 'must list at least one permission')
  .describe(
    '`IdentityStore:<operationId>` of API operations, or `IdentityStore:*`; within the caller’s own.',
  );

export const apiKeyStoresSchema = z
  .array(storeNameSchema)
  .min(1, 'must list at least one store, or be null for every store')
  .max(1000)
  .nullable()
  .describe('Stores the key may act on (within the caller’s own); null: every store.');

export const apiKeyNameSchema = z.string().trim().min(1, 'must not be empty').max(100);

export const createApiKeyBodySchema = z.strictObject({
  name: apiKeyNameSchema,
  permissions: apiKeyPermissionsSchema,
  stores: apiKeyStoresSchema.optional().default(null),
});
export type CreateApiKeyBody = z.infer<typeof createApiKeyBodySchema>;

export const updateApiKeyBodySchema = z.strictObject({
  name: apiKeyNameSchema.optional(),
  permissions: apiKeyPermissionsSchema.optional(),
  stores: apiKeyStoresSchema.optional(),
});
export type UpdateApiKeyBody = z.infer<typeof updateApiKeyBodySchema>;

/** What the management API shows of a key: never the secret or its hash. */
export const apiKeyResourceSchema = z.object({
  id: z.string(),
  name: z.string(),
  permissions: z
    .array(z.string())
    .describe('`IdentityStore:<operationId>` permissions, or `IdentityStore:*`.'),
  stores: z.array(z.string()).nullable().describe('Stores the key may act on; null: every store.'),
  createdDtm: dtmSchema,
  lastUpdatedDtm: dtmSchema,
});
export type ApiKeyResource = z.infer<typeof apiKeyResourceSchema>;

export const createdApiKeyResourceSchema = apiKeyResourceSchema.extend({
  key: z.string().describe('The API key itself. Returned once, at creation; never stored or shown again.'),
});

export const issuedTokenSchema = z.object({
  token: z.string().describe('A signed JWT (HS256); send it as `Authorization: Bearer <token>`.'),
  ttl: z.number().int().positive().describe('Lifetime of the token in seconds (default 900).'),
});
