import { apiKeyOperations, pageQuerySchema, parseSort, storeNameSchema } from '@identity-store/contracts';
import { HttpProblem, type Request, type Response, Router, validate } from '@identity-store/http-kit';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { apiKeyIdPattern } from '../domain/api-key-format';
import { hasPermission, isKnownPermission } from '../domain/permissions';
import { type ApiKeyService, versionOfIfMatch } from './api-key-service';
import { authenticateRequest, permissionDenied } from './authenticate';
import type { TokenService } from './tokens';

export interface IssueRateLimit {
  /** Failed issue attempts allowed per client IP within `durationSeconds` (default 10). */
  points: number;
  /** Window, and how long an IP stays blocked once over the limit (default 60). */
  durationSeconds: number;
}

// Refined per element, so an unknown permission is reported even when another element is not a string.
const permissionSchema = z.string().superRefine((permission, ctx) => {
  if (!isKnownPermission(permission))
    ctx.addIssue({
      code: 'custom',
      message: `unknown permission "${permission}": expected IdentityStore:<operationId> of an API operation, or IdentityStore:*`,
    });
});
const permissionsSchema = z.array(permissionSchema).min(1, 'must list at least one permission');
const storesSchema = z
  .array(storeNameSchema)
  .min(1, 'must list at least one store, or be null for every store')
  .max(1000)
  .nullable();
const nameSchema = z.string().trim().min(1, 'must not be empty').max(100);

export const createApiKeyBody = z.strictObject({
  name: nameSchema,
  permissions: permissionsSchema,
  stores: storesSchema.optional().default(null),
});
export const updateApiKeyBody = z.strictObject({
  name: nameSchema.optional(),
  permissions: permissionsSchema.optional(),
  stores: storesSchema.optional(),
});
const idParams = z.object({ id: z.string() });

const permissionOf = (operationId: string): string => {
  const operation = apiKeyOperations.find((op) => op.operationId === operationId);
  if (!operation) throw new Error(`no API-key operation ${operationId}`);
  return operation.permission;
};

const etag = (res: Response, version: number) => res.setHeader('ETag', `W/"${version}"`);

const apiKeyNotFound = (id: string) =>
  new HttpProblem(404, 'API_KEY_NOT_FOUND', `API key ${id} does not exist.`);

/**
 * `POST /api/arthr/apiKeys/issue` (X-Api-Key → bearer token, failed attempts rate-limited per client
 * IP) and key management `GET|POST /api/arthr/apiKeys`, `GET|POST|DELETE /api/arthr/apiKeys/{id}`
 * (bearer token with the `IdentityStore:<listApiKeys|createApiKey|...>` permission). A key can only
 * create or manage keys within its own permissions and stores.
 */
export const apiKeyRoutes = (deps: {
  apiKeys: ApiKeyService;
  tokens: TokenService;
  issueRateLimit?: IssueRateLimit;
}): Router => {
  const { apiKeys, tokens } = deps;
  const limit = deps.issueRateLimit ?? { points: 10, durationSeconds: 60 };
  const failures = new RateLimiterMemory({
    keyPrefix: 'gateway-issue-failures',
    points: limit.points,
    duration: limit.durationSeconds,
    blockDuration: limit.durationSeconds,
  });
  const router = Router();

  const tooManyAttempts = (res: Response, msBeforeNext: number) => {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(msBeforeNext / 1000))));
    return new HttpProblem(
      429,
      'TOO_MANY_ATTEMPTS',
      'Too many failed API key attempts from this address; retry later.',
    );
  };

  router.post('/api/arthr/apiKeys/issue', async (req, res) => {
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const seen = await failures.get(client);
    if (seen && seen.consumedPoints >= limit.points) throw tooManyAttempts(res, seen.msBeforeNext);
    const presented = req.header('x-api-key');
    if (!presented) throw new HttpProblem(401, 'API_KEY_MISSING', 'The X-Api-Key header is required.');
    const key = await apiKeys.authenticate(presented);
    if (!key) {
      try {
        await failures.consume(client);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) throw tooManyAttempts(res, rejection.msBeforeNext);
        throw rejection;
      }
      throw new HttpProblem(401, 'API_KEY_INVALID', 'The API key is unknown, revoked or wrong.');
    }
    const issued = await tokens.issue(key);
    res.setHeader('Cache-Control', 'no-store');
    res.json(issued);
  });

  const principal = async (req: Request, res: Response, operationId: string) => {
    const caller = await authenticateRequest(req, res, tokens, apiKeys);
    const permission = permissionOf(operationId);
    if (!hasPermission(caller.permissions, permission)) throw permissionDenied(permission);
    return caller;
  };
  const metadataOf = (req: Request, keyId: string) => ({
    correlationId: req.correlationId,
    principal: keyId,
  });
  const keyIdOf = (req: Request): string => {
    const { id } = validate(req, { params: idParams }).params;
    if (!apiKeyIdPattern.test(id)) throw apiKeyNotFound(id);
    return id;
  };

  router.get('/api/arthr/apiKeys', async (req, res) => {
    await principal(req, res, 'listApiKeys');
    const { query } = validate(req, { query: pageQuerySchema });
    res.json(
      await apiKeys.list({
        page: query.page,
        size: query.size,
        sort: parseSort(query.sort, ['id', 'name', 'createdDtm', 'lastUpdatedDtm']),
      }),
    );
  });

  router.post('/api/arthr/apiKeys', async (req, res) => {
    const caller = await principal(req, res, 'createApiKey');
    const { body } = validate(req, { body: createApiKeyBody });
    const created = await apiKeys.create(caller, body, metadataOf(req, caller.keyId));
    etag(res, created.version);
    res.setHeader('Location', `/api/arthr/apiKeys/${created.value.id}`);
    res.status(201).json({ ...created.value, key: created.key });
  });

  router.get('/api/arthr/apiKeys/:id', async (req, res) => {
    await principal(req, res, 'getApiKey');
    const found = await apiKeys.get(keyIdOf(req));
    etag(res, found.version);
    res.json(found.value);
  });

  router.post('/api/arthr/apiKeys/:id', async (req, res) => {
    const caller = await principal(req, res, 'updateApiKey');
    const id = keyIdOf(req);
    const { body } = validate(req, { body: updateApiKeyBody });
    const updated = await apiKeys.update(
      caller,
      id,
      body,
      versionOfIfMatch(req.header('if-match')),
      metadataOf(req, caller.keyId),
    );
    etag(res, updated.version);
    res.json(updated.value);
  });

  router.delete('/api/arthr/apiKeys/:id', async (req, res) => {
    const caller = await principal(req, res, 'deleteApiKey');
    await apiKeys.revoke(
      caller,
      keyIdOf(req),
      versionOfIfMatch(req.header('if-match')),
      metadataOf(req, caller.keyId),
    );
    res.status(204).end();
  });

  return router;
};
