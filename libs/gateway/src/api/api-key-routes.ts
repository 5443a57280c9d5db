import { apiKeyOperations, pageQuerySchema, parseSort, storeNameSchema } from '@identity-store/contracts';
import { HttpProblem, type Request, type Response, Router, validate } from '@identity-store/http-kit';
import { z } from 'zod';
import { apiKeyIdPattern } from '../domain/api-key-format';
import { clientBucketOf } from '../domain/client-bucket';
import { hasPermission, isKnownPermission } from '../domain/permissions';
import { type ApiKeyService, versionOfIfMatch } from './api-key-service';
import { authenticateRequest, permissionDenied } from './authenticate';
import {
  DEFAULT_ISSUE_RATE_LIMIT,
  failureCounter,
  type IssueRateLimit,
  type RateLimitStore,
} from './issue-rate-limit';
import type { TokenService } from './tokens';

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
 * `POST /api/arthr/apiKeys/issue` (X-Api-Key → bearer token, failed attempts rate-limited) and key
 * management `GET|POST /api/arthr/apiKeys`, `GET|POST|DELETE /api/arthr/apiKeys/{id}`
 * (bearer token with the `IdentityStore:<listApiKeys|createApiKey|...>` permission). A key can only
 * create, see or manage keys within its own permissions and stores.
 *
 * Issue rate limit: failures are counted per client address (`req.ip`, so X-Forwarded-For only with
 * `trust proxy`; IPv6 per /64) and, for a passphrase-style key, per key id; in `store`, shared by
 * the gateway instances on one database. A presented key is checked first and a valid one is never
 * refused, so junk from a shared address (a proxy, a NAT) cannot lock tenants out. The one
 * exception is a passphrase-style bootstrap key: it can be guessed, so while its client or the key
 * is over the limit it is refused unchecked (else the limit would not slow guessing at all).
 */
export const apiKeyRoutes = (deps: {
  apiKeys: ApiKeyService;
  tokens: TokenService;
  issueRateLimit?: IssueRateLimit;
  rateLimitStore?: RateLimitStore;
}): Router => {
  const { apiKeys, tokens } = deps;
  const limit = {
    ...DEFAULT_ISSUE_RATE_LIMIT,
    ...deps.issueRateLimit,
    perKey: deps.issueRateLimit?.perKey ?? DEFAULT_ISSUE_RATE_LIMIT.perKey,
  };
  const store = deps.rateLimitStore ?? { kind: 'memory' };
  const clientFailures = failureCounter('issue-client', limit, store);
  const keyFailures = failureCounter('issue-key', limit.perKey, store);
  const router = Router();

  const tooManyAttempts = (res: Response, msBeforeNext: number) => {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(msBeforeNext / 1000))));
    return new HttpProblem(429, 'TOO_MANY_ATTEMPTS', 'Too many failed API key attempts; retry later.');
  };
  const longest = (waits: Array<number | undefined>) =>
    waits.reduce<number | undefined>((a, b) => (b === undefined ? a : Math.max(a ?? 0, b)), undefined);

  router.post('/api/arthr/apiKeys/issue', async (req, res) => {
    const presented = req.header('x-api-key');
    if (!presented) throw new HttpProblem(401, 'API_KEY_MISSING', 'The X-Api-Key header is required.');
    const client = clientBucketOf(req.ip ?? req.socket.remoteAddress);
    const { key, keyId, passphrase } = await apiKeys.authenticate(presented, async (id) => {
      const wait = longest(
        await Promise.all([clientFailures.blockedFor(client), keyFailures.blockedFor(id)]),
      );
      if (wait !== undefined) throw tooManyAttempts(res, wait);
    });
    if (key) {
      const issued = await tokens.issue(key);
      res.setHeader('Cache-Control', 'no-store');
      res.json(issued);
      return;
    }
    const wait = longest(
      await Promise.all([clientFailures.fail(client), passphrase ? keyFailures.fail(keyId) : undefined]),
    );
    if (wait !== undefined) throw tooManyAttempts(res, wait);
    throw new HttpProblem(401, 'API_KEY_INVALID', 'The API key is unknown, revoked or wrong.');
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
    const caller = await principal(req, res, 'listApiKeys');
    const { query } = validate(req, { query: pageQuerySchema });
    res.json(
      await apiKeys.list(caller, {
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
    const caller = await principal(req, res, 'getApiKey');
    const found = await apiKeys.get(caller, keyIdOf(req));
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
