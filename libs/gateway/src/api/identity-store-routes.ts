import { canonicalPath, type OperationDef, type RouteTable, type ServiceName } from '@identity-store/contracts';
import {
  CORRELATION_HEADER,
  GRANT_HEADER,
  type GrantClaims,
  HttpProblem,
  REQUEST_ID_HEADER,
  type RequestHandler,
  Router,
} from '@identity-store/http-kit';
import { hasPermission, storeAllowed } from '../domain/permissions';
import type { ApiKeyService } from '../api-key-service';
import { authenticateRequest, permissionDenied, storeNotAllowed } from './authenticate';
import type { Forwarder } from './forwarding';
import type { Principal, TokenService } from './tokens';

export const API_PREFIX = '/api/identity-store';
/**
 * Set by the gateway only (any value a client sends is removed): the calling API key's id, for the
 * services' logs. What a service trusts is the grant (see @identity-store/http-kit grants.ts).
 */
export const PRINCIPAL_HEADER = 'x-principal';
/** The caller's credentials: the gateway's to check, never forwarded to a service. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'cookie'];

/** The URL a service gets: the path the table matched (one trailing slash removed), query kept. */
const canonicalUrl = (url: string) => {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return canonicalPath(path) + (query < 0 ? '' : url.slice(query));
};

/** The store a request acts on: the `{storeName}` path parameter, or the name of a store being created. */
const storeOf = (
  operation: OperationDef,
  params: Record<string, string>,
  body: unknown,
): string | undefined => {
  if (params.storeName !== undefined) return params.storeName;
  if (operation.operationId === 'createStore' && typeof body === 'object' && body !== null) {
    const name = (body as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
};

/**
 * Every `/api/identity-store/**` request: bearer token → operation of the table (404
 * ROUTE_NOT_FOUND) → permission (403 PERMISSION_DENIED) → store restriction (403
 * STORE_NOT_ALLOWED) → implemented? (501 NOT_IMPLEMENTED) → the owning service's target.
 */
const isApiPath = (path: string) => path === API_PREFIX || path.startsWith(`${API_PREFIX}/`);

/** The subject of a public operation's grant (and the services' logs): nobody authenticated. */
export const ANONYMOUS_SUBJECT = 'anonymous';

/** Whether the request is a public operation of the table (answered without a token). */
const isPublicOperation = (routes: RouteTable, method: string, path: string) =>
  routes.match(method, path)?.operation.public === true;

/**
 * Authenticates every /api/identity-store/** request before its body is parsed (a request without
 * a valid token is 401 whatever it sends) and leaves the principal in `res.locals.principal`. A
 * public operation of the table is not authenticated (its principal is ANONYMOUS_PRINCIPAL).
 */
export const authenticateApiRequests =
  (deps: { apiKeys: ApiKeyService; tokens: TokenService; routes: RouteTable }): RequestHandler =>
  async (req, res, next) => {
    if (!isApiPath(req.path)) return next();
    // Identity headers and grants are the gateway's to set; never pass a client's on.
    delete req.headers[PRINCIPAL_HEADER];
    delete req.headers[GRANT_HEADER];
    if (!isPublicOperation(deps.routes, req.method, req.path))
      res.locals.principal = await authenticateRequest(req, res, deps.tokens, deps.apiKeys);
    next();
  };

export const identityStoreRoutes = (deps: {
  apiKeys: ApiKeyService;
  tokens: TokenService;
  routes: RouteTable;
  forwarders: Partial<Record<ServiceName, Forwarder>>;
}): Router => {
  const router = Router();
  router.use(async (req, res, next) => {
    if (!isApiPath(req.path)) return next();
    const match = deps.routes.match(req.method, req.path);
    if (!match) throw new HttpProblem(404, 'ROUTE_NOT_FOUND', `No operation ${req.method} ${req.path}.`);
    const { operation, params } = match;
    // A public operation has no principal (authenticateApiRequests let it through): no permission
    // or store to check, and a grant of the operation alone.
    const principal = operation.public ? undefined : (res.locals.principal as Principal);
    if (principal && !hasPermission(principal.permissions, operation.permission))
      throw permissionDenied(operation.permission);
    const storeName = storeOf(operation, params, req.body);
    if (principal && storeName !== undefined && !storeAllowed(principal.stores, storeName))
      throw storeNotAllowed(storeName);
    if (!operation.implemented)
      throw new HttpProblem(
        501,
        'NOT_IMPLEMENTED',
        `The operation ${operation.operationId} is not implemented yet.`,
        undefined,
        {
          operationId: operation.operationId,
        },
      );

    const forwarder = deps.forwarders[operation.service];
    if (!forwarder)
      throw new HttpProblem(
        503,
        'SERVICE_UNAVAILABLE',
        `No ${operation.service} service is configured for ${operation.operationId}.`,
      );
    // The owning service re-checks operation and store against this grant (it trusts nothing else).
    const grant: GrantClaims = {
      aud: operation.service,
      op: operation.operationId,
      perm: operation.permission,
      stores: principal ? principal.stores : null,
      sub: principal ? principal.keyId : ANONYMOUS_SUBJECT,
    };
    for (const header of CREDENTIAL_HEADERS) delete req.headers[header];
    req.headers[PRINCIPAL_HEADER] = grant.sub;
    req.headers[CORRELATION_HEADER] = req.correlationId;
    req.headers[REQUEST_ID_HEADER] = req.requestId;
    req.url = req.originalUrl = canonicalUrl(req.originalUrl);
    await forwarder.handle(req, res, next, grant);
  });
  return router;
};
