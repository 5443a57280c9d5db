import { randomBytes } from 'node:crypto';
import {
  type ApiKeyResource,
  apiKeyOperations,
  type CreateApiKeyBody,
  createApiKeyBodySchema,
  DomainError,
  forbidden,
  pageQuerySchema,
  parseSort,
  type UpdateApiKeyBody,
  updateApiKeyBodySchema,
} from '@identity-store/contracts';
import type { EventMetadata, Page, PageRequest } from '@identity-store/event-store';
import { HttpProblem, type Request, type Response, Router, validate } from '@identity-store/http-kit';
import { z } from 'zod';
import { authenticateRequest, permissionDenied } from './authenticate';
import {
  DEFAULT_ISSUE_RATE_LIMIT,
  failureCounter,
  type IssueRateLimit,
  type RateLimitStore,
} from './issue-rate-limit';
import type { TokenService } from './tokens';
import { apiKeyIdPattern, formatApiKey, hashSecret } from '../domain/api-key-format';
import { clientBucketOf } from '../domain/client-bucket';
import { hasPermission, type KeyScope, scopeViolation } from '../domain/permissions';
import type { ApiKeyRecord } from '../domain/api-key';
import { decideApiKey } from '../domain/api-key-decider';
import { type ApiKeyService, newSecret } from '../api-key-service';
import { toApiKeyResource } from '../domain/api-key-views';

export interface Versioned<T> {
  value: T;
  version: number;
}

/** Who makes a management call (their scope) and the metadata its events are recorded with. */
export interface ApiKeyCall {
  caller: KeyScope;
  metadata: EventMetadata;
}

const newKeyId = (): string => randomBytes(10).toString('hex');

const preconditionFailed = () =>
  new DomainError(
    'precondition-failed',
    'PRECONDITION_FAILED',
    'The API key was changed since the given If-Match version.',
  );

/** `W/"3"` or `"3"` → 3; `*` → undefined (any); anything else → NaN (never matches). */
export const versionOfIfMatch = (header: string | undefined): number | undefined => {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(header);
  return match ? Number(match[1]) : Number.NaN;
};

const keyNotFound = (id: string) =>
  new DomainError('not-found', 'API_KEY_NOT_FOUND', `API key ${id} does not exist.`);

const scopeProblem = (outer: KeyScope, inner: KeyScope): void => {
  const violation = scopeViolation(outer, inner);
  if (violation) throw forbidden(violation.code, violation.detail);
};

/**
 * The management API's handlers, keyed by operation id. A caller creates (the key string is
 * returned once and never stored), sees and manages only keys within its own scope: reads are
 * scoped like writes (`scopeViolation(caller, key) === undefined`); others are 404 and absent from
 * lists and their counts.
 */
export const apiKeyHandlers = (apiKeys: ApiKeyService) => ({
  listApiKeys: (
    { caller }: Pick<ApiKeyCall, 'caller'>,
    request: PageRequest,
  ): Promise<Page<ApiKeyResource>> => apiKeys.page(request, caller),

  createApiKey: async (
    { caller, metadata }: ApiKeyCall,
    body: CreateApiKeyBody,
  ): Promise<Versioned<ApiKeyResource> & { key: string }> => {
    scopeProblem(caller, body);
    const id = newKeyId();
    const secret = newSecret();
    const key = formatApiKey(id, secret);
    const secretHash = hashSecret(secret.toString('base64url'));
    const now = apiKeys.now();
    const result = await apiKeys.handle(
      id,
      (state) => decideApiKey({ type: 'CreateApiKey', id, ...body, secretHash, metadata: { now } }, state),
      metadata,
    );
    return { value: toApiKeyResource(result.state as ApiKeyRecord), version: result.version, key };
  },

  getApiKey: async (
    { caller }: Pick<ApiKeyCall, 'caller'>,
    id: string,
  ): Promise<Versioned<ApiKeyResource>> => {
    const { state, version } = await apiKeys.load(id);
    if (state.status !== 'ACTIVE' || scopeViolation(caller, state)) throw keyNotFound(id);
    return { value: toApiKeyResource(state), version };
  },

  updateApiKey: async (
    { caller, metadata }: ApiKeyCall,
    id: string,
    changes: UpdateApiKeyBody,
    ifMatch: number | undefined,
  ): Promise<Versioned<ApiKeyResource>> => {
    const now = apiKeys.now();
    const result = await apiKeys.handle(
      id,
      (state, version) => {
        if (state.status === 'ACTIVE') {
          scopeProblem(caller, state);
          scopeProblem(caller, {
            permissions: changes.permissions ?? state.permissions,
            stores: changes.stores === undefined ? state.stores : changes.stores,
          });
          if (ifMatch !== undefined && ifMatch !== version) throw preconditionFailed();
        }
        return decideApiKey({ type: 'UpdateApiKey', ...changes, metadata: { now } }, state);
      },
      metadata,
    );
    return { value: toApiKeyResource(result.state as ApiKeyRecord), version: result.version };
  },

  deleteApiKey: async ({ caller, metadata }: ApiKeyCall, id: string, ifMatch: number | undefined) => {
    const now = apiKeys.now();
    await apiKeys.handle(
      id,
      (state, version) => {
        if (state.status === 'ACTIVE') {
          scopeProblem(caller, state);
          if (ifMatch !== undefined && ifMatch !== version) throw preconditionFailed();
        }
        return decideApiKey({ type: 'RevokeApiKey', metadata: { now } }, state);
      },
      metadata,
    );
  },
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
  const handlers = apiKeyHandlers(apiKeys);
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
      await handlers.listApiKeys(
        { caller },
        {
          page: query.page,
          size: query.size,
          sort: parseSort(query.sort, ['id', 'name', 'createdDtm', 'lastUpdatedDtm']),
        },
      ),
    );
  });

  router.post('/api/arthr/apiKeys', async (req, res) => {
    const caller = await principal(req, res, 'createApiKey');
    const { body } = validate(req, { body: createApiKeyBodySchema });
    const created = await handlers.createApiKey({ caller, metadata: metadataOf(req, caller.keyId) }, body);
    etag(res, created.version);
    res.setHeader('Location', `/api/arthr/apiKeys/${created.value.id}`);
    res.status(201).json({ ...created.value, key: created.key });
  });

  router.get('/api/arthr/apiKeys/:id', async (req, res) => {
    const caller = await principal(req, res, 'getApiKey');
    const found = await handlers.getApiKey({ caller }, keyIdOf(req));
    etag(res, found.version);
    res.json(found.value);
  });

  router.post('/api/arthr/apiKeys/:id', async (req, res) => {
    const caller = await principal(req, res, 'updateApiKey');
    const id = keyIdOf(req);
    const { body } = validate(req, { body: updateApiKeyBodySchema });
    const updated = await handlers.updateApiKey(
      { caller, metadata: metadataOf(req, caller.keyId) },
      id,
      body,
      versionOfIfMatch(req.header('if-match')),
    );
    etag(res, updated.version);
    res.json(updated.value);
  });

  router.delete('/api/arthr/apiKeys/:id', async (req, res) => {
    const caller = await principal(req, res, 'deleteApiKey');
    await handlers.deleteApiKey(
      { caller, metadata: metadataOf(req, caller.keyId) },
      keyIdOf(req),
      versionOfIfMatch(req.header('if-match')),
    );
    res.status(204).end();
  });

  return router;
};
