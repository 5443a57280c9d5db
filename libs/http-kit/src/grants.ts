import { randomUUID, type KeyObject } from 'node:crypto';
import { type OperationDef, operations, RouteTable, type ServiceName } from '@identity-store/contracts';
import type { Request, RequestHandler } from 'express';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { HttpProblem } from './problem';

/**
 * Gateway grants: what a service accepts a `/api/identity-store/**` request on. The gateway, having
 * authenticated the caller and checked permission and store, grants the one operation it matched
 * to the one service that owns it: {op, perm, stores, sub} for audience = that service.
 *
 * - Distributed: a JWT signed with the gateway's Ed25519 key (GATEWAY_SIGNING_KEY), in the
 *   `x-identity-store-grant` header, valid 60 s. Services hold only the public key
 *   (GATEWAY_VERIFY_KEY), so a compromised service cannot mint grants for another.
 * - In process (embedded): the same claims as a property of the request object under a symbol
 *   only the in-process forwarder sets; no request from the network can carry it.
 *
 * Either way one function (`authorizeOperations`) decides: the grant is for this service, names
 * the operation the request matches in the shared operation table, and its stores include the
 * request's `{storeName}`.
 */

export const GRANT_HEADER = 'x-identity-store-grant';
export const GRANT_ISSUER = 'identity-store-gateway';
/** JWT `typ`: a bearer token or an internal token is never taken for a grant. */
export const GRANT_TYPE = 'identity-store-grant+jwt';
export const GRANT_TTL_SECONDS = 60;
const GRANT_ALGORITHM = 'EdDSA';
/** Seconds of clock skew tolerated between the gateway and a service. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** What the gateway grants for one request. */
export interface GrantClaims {
  /** The owning service: the only one that accepts the grant. */
  aud: ServiceName;
  /** operationId of the operation table. */
  op: string;
  /** The permission the caller holds for it. */
  perm: string;
  /** The caller's stores; null = every store. */
  stores: string[] | null;
  /** The API key id. */
  sub: string;
}

/** A grant a service accepted, with the operation of the table the request matched. */
export interface GrantedOperation extends GrantClaims {
  operation: OperationDef;
  /** The grant's id (JWT `jti`; absent for in-process grants). */
  jti?: string;
}

const IN_PROCESS_GRANT = Symbol('identity-store.in-process-grant');
const GRANTED = Symbol('identity-store.granted-operation');
type WithGrants = Request & { [IN_PROCESS_GRANT]?: GrantClaims; [GRANTED]?: GrantedOperation };

/** The in-process forwarder's channel: a property no HTTP request can set. */
export const attachInProcessGrant = (req: Request, claims: GrantClaims): void => {
  (req as WithGrants)[IN_PROCESS_GRANT] = Object.freeze({ ...claims });
};

/** The grant this request was accepted on (set by `authorizeOperations`). */
export const grantOf = (req: Request): GrantedOperation | undefined => (req as WithGrants)[GRANTED];

export const grantMissing = () =>
  new HttpProblem(401, 'GRANT_MISSING', 'This service accepts requests only through the gateway.');
const grantInvalid = (reason: string) => new HttpProblem(401, 'GRANT_INVALID', `The gateway grant is invalid: ${reason}`);
export const operationNotGranted = (operationId?: string) =>
  new HttpProblem(403, 'OPERATION_NOT_GRANTED', 'The gateway granted another operation than this request.', undefined, {
    ...(operationId ? { operationId } : {}),
  });
export const storeNotGranted = (storeName: string) =>
  new HttpProblem(403, 'STORE_NOT_ALLOWED', `The API key may not use the store ${storeName}.`, undefined, { storeName });

/** The caller's stores (null = every store); 401 when the request carries no grant. */
export const grantedStores = (req: Request): string[] | null => {
  const grant = grantOf(req);
  if (!grant) throw grantMissing();
  return grant.stores;
};

/** 403 STORE_NOT_ALLOWED unless the grant covers the store (e.g. the name in a createStore body). */
export const requireGrantedStore = (req: Request, storeName: string): void => {
  const stores = grantedStores(req);
  if (stores !== null && !stores.includes(storeName)) throw storeNotGranted(storeName);
};

/**
 * Signs grants (gateway). A grant depends only on (audience, operation, key, stores), so one is
 * reused for that tuple until REUSE_SECONDS of its lifetime are gone: every request it rides on
 * was authorised by the gateway itself first, and it still has ≥ 15 s left when it arrives.
 */
export class GrantSigner {
  private static readonly REUSE_SECONDS = GRANT_TTL_SECONDS - 15;
  private readonly cache = new LRUCache<string, { token: string; refreshAt: number }>({ max: 10_000 });

  constructor(
    private readonly key: KeyObject,
    private readonly now: () => number = Date.now,
  ) {
    if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519')
      throw new Error('the grant signing key must be an Ed25519 private key');
  }

  async sign(claims: GrantClaims): Promise<string> {
    const cacheKey = JSON.stringify([claims.aud, claims.op, claims.perm, claims.sub, claims.stores]);
    const now = this.now();
    const cached = this.cache.get(cacheKey);
    if (cached && now < cached.refreshAt) return cached.token;
    const issuedAt = Math.floor(now / 1000);
    const token = await new SignJWT({ op: claims.op, perm: claims.perm, stores: claims.stores })
      .setProtectedHeader({ alg: GRANT_ALGORITHM, typ: GRANT_TYPE })
      .setIssuer(GRANT_ISSUER)
      .setAudience(claims.aud)
      .setSubject(claims.sub)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + GRANT_TTL_SECONDS)
      .sign(this.key);
    this.cache.set(cacheKey, { token, refreshAt: (issuedAt + GrantSigner.REUSE_SECONDS) * 1000 });
    return token;
  }
}

const grantPayload = z.object({
  op: z.string().min(1),
  perm: z.string().min(1),
  stores: z.array(z.string()).nullable(),
  sub: z.string().min(1),
  jti: z.string().min(1),
  exp: z.number(),
});

/**
 * Verifies grants for one service (distributed mode). Verified grants are cached by their token
 * until they expire, so a grant the gateway reuses costs one signature check per service.
 */
export class GrantVerifier {
  private readonly cache = new LRUCache<string, GrantClaims & { jti: string }>({ max: 10_000 });

  constructor(
    readonly service: ServiceName,
    private readonly key: KeyObject,
  ) {
    if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519')
      throw new Error('the grant verify key must be an Ed25519 public key');
  }

  async verify(token: string): Promise<GrantClaims & { jti: string }> {
    const cached = this.cache.get(token);
    if (cached) return cached;
    if (token.length > 4096) throw grantInvalid('too long');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [GRANT_ALGORITHM],
        typ: GRANT_TYPE,
        issuer: GRANT_ISSUER,
        audience: this.service,
        maxTokenAge: GRANT_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError)
        throw grantInvalid(error instanceof joseErrors.JWTExpired ? 'expired' : 'signature, issuer, audience or type');
      throw error;
    }
    const parsed = grantPayload.safeParse(payload);
    if (!parsed.success) throw grantInvalid('malformed claims');
    const grant = { aud: this.service, ...parsed.data };
    const ttl = grant.exp * 1000 - Date.now();
    if (ttl > 0) this.cache.set(token, grant, { ttl });
    return grant;
  }
}

const OPERATIONS_PREFIX = '/api/identity-store';
export const isOperationPath = (path: string): boolean =>
  path === OPERATIONS_PREFIX || path.startsWith(`${OPERATIONS_PREFIX}/`);

/** Every operation of the contract, matched by method and path (the trust boundary, body limits). */
export const sharedRoutes = new RouteTable(operations);

/**
 * The service side of the trust boundary, before the body is parsed: every `/api/identity-store/**`
 * request needs a grant for this service (in-process, or a valid signed one: else 401) that names
 * the operation the request matches in the shared table and covers its `{storeName}` (else 403).
 * Without a verifier (embedded default) only in-process grants are accepted.
 */
export const authorizeOperations =
  (options: { service: ServiceName; verifier?: GrantVerifier; routes?: RouteTable }): RequestHandler =>
  async (req, _res, next) => {
    if (!isOperationPath(req.path)) return next();
    const request = req as WithGrants;
    let claims: (GrantClaims & { jti?: string }) | undefined = request[IN_PROCESS_GRANT];
    if (!claims) {
      const token = req.header(GRANT_HEADER);
      if (!token) throw grantMissing();
      if (!options.verifier) throw grantInvalid('this service accepts in-process grants only');
      claims = await options.verifier.verify(token);
    }
    if (claims.aud !== options.service) throw grantInvalid('granted to another service');
    const match = (options.routes ?? sharedRoutes).match(req.method, req.path);
    if (
      !match ||
      match.operation.operationId !== claims.op ||
      match.operation.permission !== claims.perm ||
      match.operation.service !== options.service
    )
      throw operationNotGranted(match?.operation.operationId);
    const storeName = match.params.storeName;
    if (storeName !== undefined && claims.stores !== null && !claims.stores.includes(storeName))
      throw storeNotGranted(storeName);
    request[GRANTED] = { ...claims, operation: match.operation };
    next();
  };
