import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { HttpProblem } from './problem';

/**
 * Service-to-service tokens for `/internal/*` (identity's store and user lookups, audit's
 * summaries): HS256 JWTs under INTERNAL_TOKEN_KEY, `iss` = the calling service, `aud` = the
 * service called, valid 60 s, in `Authorization: Bearer`. Every service of one deployment holds the
 * key (a shared secret, like Kafka's SCRAM credentials): it keeps out everything that is not one of
 * them — the network neighbours and SSRF of the review — while the gateway grants, which no service
 * can mint, guard the public operations.
 */

export const INTERNAL_TOKEN_TYPE = 'identity-store-internal+jwt';
export const INTERNAL_PATH_PREFIX = '/internal/';
const INTERNAL_TOKEN_TTL_SECONDS = 60;
/** A token is reused until this much of its lifetime is gone. */
const REUSE_SECONDS = 45;
const CLOCK_TOLERANCE_SECONDS = 5;

/** The HMAC key from INTERNAL_TOKEN_KEY: at least 32 bytes. */
export const internalTokenKey = (text: string): Uint8Array => {
  const key = Buffer.from(text, 'utf8');
  if (key.length < 32) throw new Error('INTERNAL_TOKEN_KEY must be at least 32 bytes');
  return key;
};

/** Mints (and briefly reuses) the tokens one service sends to the others. */
export class InternalTokenIssuer {
  private readonly cache = new LRUCache<string, { token: string; refreshAt: number }>({ max: 32 });

  constructor(
    /** The calling service (`iss`). */
    readonly issuer: string,
    private readonly key: Uint8Array,
    private readonly now: () => number = Date.now,
  ) {
    if (key.length < 32) throw new Error('the internal token key must be at least 32 bytes');
  }

  async tokenFor(audience: string): Promise<string> {
    const now = this.now();
    const cached = this.cache.get(audience);
    if (cached && now < cached.refreshAt) return cached.token;
    const issuedAt = Math.floor(now / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: INTERNAL_TOKEN_TYPE })
      .setIssuer(this.issuer)
      .setSubject(this.issuer)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + INTERNAL_TOKEN_TTL_SECONDS)
      .sign(this.key);
    this.cache.set(audience, { token, refreshAt: (issuedAt + REUSE_SECONDS) * 1000 });
    return token;
  }
}

const bearerOf = (header: string | undefined): string | undefined =>
  /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? '')?.[1];

/**
 * `/internal/*` of a service: 401 INTERNAL_TOKEN_MISSING / INTERNAL_TOKEN_INVALID unless the
 * request carries a valid internal token for this service. Without a key (embedded default, where
 * services call each other in process) every internal request is refused.
 */
export const requireInternalToken =
  (options: { service: string; key?: Uint8Array }): RequestHandler =>
  async (req, _res, next) => {
    if (!req.path.startsWith(INTERNAL_PATH_PREFIX)) return next();
    const token = bearerOf(req.header('authorization'));
    if (!token)
      throw new HttpProblem(401, 'INTERNAL_TOKEN_MISSING', 'Internal endpoints need a service token.');
    if (!options.key)
      throw new HttpProblem(401, 'INTERNAL_TOKEN_INVALID', 'This service accepts no internal calls.');
    try {
      await jwtVerify(token, options.key, {
        algorithms: ['HS256'],
        typ: INTERNAL_TOKEN_TYPE,
        audience: options.service,
        maxTokenAge: INTERNAL_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iat', 'iss'],
      });
    } catch (error) {
      if (error instanceof joseErrors.JOSEError)
        throw new HttpProblem(401, 'INTERNAL_TOKEN_INVALID', 'The service token is invalid or expired.');
      throw error;
    }
    next();
  };
