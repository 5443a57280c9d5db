import { hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';

/**
 * Bearer tokens: HS256 JWTs the gateway issues for an API key and verifies on every request.
 * Claims: `sub` = key id, `permissions`, `stores` (absent = every store), `secretVersion` (the
 * key's secret version at issuance), `jti`, `iat`, `exp`, plus fixed `iss`/`aud` so a token minted
 * for something else with the same secret is refused. Permissions and stores are a snapshot taken
 * at issuance; revocation and re-keying are checked per request against the key itself (see
 * ApiKeyService.currentPrincipal): a re-key bumps the secret version, and a token of an older
 * version is refused however close in time the two were.
 *
 * A verified token's claims are kept (bounded LRU keyed by the token string, each entry good until the
 * token's `exp`): the signature and claims of a given string cannot change, so a repeat skips the
 * HMAC and the claim checks. Revocation and re-keying do not depend on it: they are checked per
 * request after verification (ApiKeyService.currentPrincipal). Refused tokens are not kept.
 */

export const TOKEN_ISSUER = 'identity-store-gateway';
export const TOKEN_AUDIENCE = 'identity-store';

export interface Principal {
  /** The API key's id (`sub`). */
  keyId: string;
  permissions: string[];
  /** null: every store. */
  stores: string[] | null;
  tokenId: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
  /** The key's secret version at issuance; absent in tokens issued before the claim existed. */
  secretVersion?: number;
}

export class TokenInvalidError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'TokenInvalidError';
  }
}

export interface TokenServiceOptions {
  /** HMAC key, at least 32 bytes. */
  secret: Uint8Array;
  ttlSeconds?: number;
  now?: () => Date;
  /** Verified tokens kept (default 10 000). */
  verifiedCacheSize?: number;
}

/**
 * The HMAC key: `JWT_SECRET` if configured, else derived from `SECRETS_KEY` (HKDF-SHA-256, own
 * label, so the two keys differ), else random for this process (tokens then die with the process,
 * and several gateway instances would not accept each other's tokens).
 */
export const jwtSecretFrom = (config: { jwtSecret?: string; secretsKey?: string }): Uint8Array => {
  if (config.jwtSecret) return Buffer.from(config.jwtSecret, 'utf8');
  if (config.secretsKey)
    return Buffer.from(hkdfSync('sha256', config.secretsKey, 'identity-store', 'gateway-jwt-hs256', 32));
  return randomBytes(32);
};

const claimsSchema = z.object({
  sub: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  permissions: z.array(z.string()),
  stores: z.array(z.string()).optional(),
  secretVersion: z.number().int().nonnegative().optional(),
});

export class TokenService {
  readonly ttlSeconds: number;
  private readonly now: () => Date;

  private readonly secret: Buffer;
  private readonly verified: LRUCache<string, Principal>;

  constructor(options: TokenServiceOptions) {
    if (options.secret.length < 32) throw new Error('the token signing key must be at least 32 bytes');
    this.secret = Buffer.from(options.secret);
    this.ttlSeconds = options.ttlSeconds ?? 900;
    this.now = options.now ?? (() => new Date());
    this.verified = new LRUCache({ max: options.verifiedCacheSize ?? 10_000 });
  }

  async issue(key: {
    id: string;
    permissions: string[];
    stores: string[] | null;
    secretVersion: number;
  }): Promise<{ token: string; ttl: number }> {
    const iat = Math.floor(this.now().getTime() / 1000);
    const token = await new SignJWT({
      permissions: key.permissions,
      ...(key.stores === null ? {} : { stores: key.stores }),
      secretVersion: key.secretVersion,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(key.id)
      .setJti(randomUUID())
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(this.secret);
    return { token, ttl: this.ttlSeconds };
  }

  /** The token's principal; throws {@link TokenInvalidError} for a bad signature, expiry or shape. */
  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known) {
      // jose's rule: a token is expired from its `exp` second on.
      if (Math.floor(this.now().getTime() / 1000) < known.expiresAt) return known;
      this.verified.delete(token);
    }
    const principal = await this.verifyUncached(token);
    this.verified.set(token, principal);
    return principal;
  }

  private async verifyUncached(token: string): Promise<Principal> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.secret, {
        algorithms: ['HS256'],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
        currentDate: this.now(),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new TokenInvalidError('The token has expired.');
      if (error instanceof joseErrors.JWSSignatureVerificationFailed)
        throw new TokenInvalidError('The token signature is not valid.');
      if (error instanceof joseErrors.JOSEError)
        throw new TokenInvalidError(`The token is not valid (${error.code}).`);
      throw new TokenInvalidError('The token is malformed.');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new TokenInvalidError('The token does not carry the expected claims.');
    const { sub, jti, iat, exp, permissions, stores, secretVersion } = claims.data;
    return Object.freeze({
      keyId: sub,
      permissions,
      stores: stores ?? null,
      tokenId: jti,
      issuedAt: iat,
      expiresAt: exp,
      ...(secretVersion === undefined ? {} : { secretVersion }),
    });
  }
}
