import { HttpProblem, type Request, type Response } from '@identity-store/http-kit';
import type { ApiKeyService } from '../api-key-service';
import { type Principal, TokenInvalidError, type TokenService } from './tokens';

const REALM = 'Bearer realm="identity-store"';

const bearerOf = (header: string | undefined): string | undefined =>
  /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? '')?.[1];

/**
 * The principal of a request with `Authorization: Bearer <jwt>`: 401 TOKEN_MISSING without one,
 * 401 TOKEN_INVALID for a bad signature, an expired or malformed token, or a token whose key was
 * revoked or re-keyed since. Both answer `WWW-Authenticate: Bearer …` (RFC 6750).
 */
export const authenticateRequest = async (
  req: Request,
  res: Response,
  tokens: TokenService,
  apiKeys: ApiKeyService,
): Promise<Principal> => {
  const token = bearerOf(req.header('authorization'));
  if (!token) {
    res.setHeader('WWW-Authenticate', REALM);
    throw new HttpProblem(
      401,
      'TOKEN_MISSING',
      'This operation needs an Authorization: Bearer <token> header.',
    );
  }
  const invalid = (reason: string) => {
    res.setHeader(
      'WWW-Authenticate',
      `${REALM}, error="invalid_token", error_description="${reason.replace(/"/g, "'")}"`,
    );
    return new HttpProblem(401, 'TOKEN_INVALID', reason);
  };
  let claims: Principal;
  try {
    claims = await tokens.verify(token);
  } catch (error) {
    if (error instanceof TokenInvalidError) throw invalid(error.message);
    throw error;
  }
  const principal = await apiKeys.currentPrincipal(claims);
  if (!principal) throw invalid('The API key of this token was revoked or re-keyed.');
  return principal;
};

export const permissionDenied = (permission: string): HttpProblem =>
  new HttpProblem(403, 'PERMISSION_DENIED', `This operation needs the permission ${permission}.`, undefined, {
    permission,
  });

export const storeNotAllowed = (storeName: string): HttpProblem =>
  new HttpProblem(403, 'STORE_NOT_ALLOWED', `The API key may not use the store ${storeName}.`, undefined, {
    storeName,
  });
