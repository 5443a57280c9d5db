import { decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose';
import { jwtSecretFrom, TOKEN_AUDIENCE, TOKEN_ISSUER, TokenInvalidError, TokenService } from './tokens';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
const OTHER = Buffer.from('fedcba9876543210fedcba9876543210', 'utf8');
const NOW = new Date('2026-05-07T10:00:00.000Z');
const nowSeconds = NOW.getTime() / 1000;

const service = (now = NOW, ttlSeconds = 900) =>
  new TokenService({ secret: SECRET, ttlSeconds, now: () => now });

const sign = (claims: Record<string, unknown>, key = SECRET, alg = 'HS256') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg })
    .setSubject('k1')
    .setJti('j1')
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(nowSeconds - 10)
    .setExpirationTime(nowSeconds + 600)
    .sign(key);

const reasonOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TokenInvalidError);
    return (error as Error).message;
  }
  throw new Error('expected the token to be refused');
};

describe('TokenService', () => {
  it('issues an HS256 JWT with sub, permissions, stores, secretVersion, jti, iat and exp = iat + ttl', async () => {
    const { token, ttl } = await service().issue({
      id: 'k1',
      permissions: ['IdentityStore:getStore'],
      stores: ['acme'],
      secretVersion: 3,
    });
    expect(ttl).toBe(900);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      sub: 'k1',
      permissions: ['IdentityStore:getStore'],
      stores: ['acme'],
      secretVersion: 3,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      iat: nowSeconds,
      exp: nowSeconds + 900,
    });
  });

  it('omits stores for a key of every store, and verifies its own tokens', async () => {
    const { token } = await service(NOW, 60).issue({
      id: 'admin',
      permissions: ['IdentityStore:*'],
      stores: null,
      secretVersion: 0,
    });
    expect('stores' in decodeJwt(token)).toBe(false);
    const principal = await service().verify(token);
    expect(principal).toEqual({
      keyId: 'admin',
      permissions: ['IdentityStore:*'],
      stores: null,
      tokenId: decodeJwt(token).jti,
      issuedAt: nowSeconds,
      expiresAt: nowSeconds + 60,
      secretVersion: 0,
    });
    // a token issued before the secretVersion claim existed verifies, without a version
    const legacy = await service().verify(await sign({ permissions: [] }));
    expect('secretVersion' in legacy).toBe(false);
  });

  it('refuses an expired token', async () => {
    const { token } = await service(new Date(NOW.getTime() - 901_000)).issue({
      id: 'k1',
      permissions: [],
      stores: null,
      secretVersion: 0,
    });
    expect(await reasonOf(service().verify(token))).toBe('The token has expired.');
    // still good one second before expiry
    const fresh = await service(new Date(NOW.getTime() - 899_000)).issue({
      id: 'k1',
      permissions: [],
      stores: null,
      secretVersion: 0,
    });
    await expect(service().verify(fresh.token)).resolves.toMatchObject({ keyId: 'k1' });
  });

  it('a verified token kept in its cache still expires at its exp', async () => {
    let now = NOW;
    const tokens = new TokenService({ secret: SECRET, ttlSeconds: 60, now: () => now });
    const { token } = await tokens.issue({ id: 'k1', permissions: [], stores: null, secretVersion: 0 });
    const first = await tokens.verify(token);
    now = new Date(NOW.getTime() + 59_000);
    expect(await tokens.verify(token)).toEqual(first);
    now = new Date(NOW.getTime() + 60_000);
    expect(await reasonOf(tokens.verify(token))).toBe('The token has expired.');
  });

  it('a token string that differs from a verified one in any byte is verified on its own', async () => {
    const tokens = service();
    const { token } = await tokens.issue({ id: 'k1', permissions: ['IdentityStore:getStore'], stores: null, secretVersion: 0 });
    await tokens.verify(token);
    const [header, payload, signature] = token.split('.');
    const widened = Buffer.from(JSON.stringify({ ...decodeJwt(token), permissions: ['IdentityStore:*'] })).toString('base64url');
    expect(await reasonOf(tokens.verify(`${header}.${widened}.${signature}`))).toBe('The token signature is not valid.');
    const flipped = signature!.slice(0, -2) + (signature!.endsWith('AA') ? 'BB' : 'AA');
    expect(await reasonOf(tokens.verify(`${header}.${payload}.${flipped}`))).toMatch(/signature|not valid/);
  });

  it('keeps a bounded number of verified tokens (older ones are verified again, still valid)', async () => {
    const tokens = new TokenService({ secret: SECRET, now: () => NOW, verifiedCacheSize: 2 });
    const issued = await Promise.all(
      [0, 1, 2].map(() => tokens.issue({ id: 'k1', permissions: [], stores: null, secretVersion: 0 })),
    );
    for (const { token } of [...issued, ...issued]) await expect(tokens.verify(token)).resolves.toMatchObject({ keyId: 'k1' });
  });

  it('refuses a token signed with another key (forged)', async () => {
    expect(await reasonOf(service().verify(await sign({ permissions: ['IdentityStore:*'] }, OTHER)))).toBe(
      'The token signature is not valid.',
    );
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const { token } = await service().issue({
      id: 'k1',
      permissions: ['IdentityStore:getStore'],
      stores: ['acme'],
      secretVersion: 0,
    });
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(
      JSON.stringify({ ...decodeJwt(token), permissions: ['IdentityStore:*'] }),
      'utf8',
    ).toString('base64url');
    expect(await reasonOf(service().verify(`${header}.${payload}.${signature}`))).toBe(
      'The token signature is not valid.',
    );
  });

  it('refuses unsigned tokens and other algorithms', async () => {
    const unsecured = new UnsecuredJWT({ permissions: ['IdentityStore:*'] })
      .setSubject('k1')
      .setJti('j')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 60)
      .encode();
    expect(await reasonOf(service().verify(unsecured))).toMatch(/^The token is not valid \(ERR_/);
    expect(await reasonOf(service().verify(await sign({ permissions: [] }, SECRET, 'HS512')))).toBe(
      'The token is not valid (ERR_JOSE_ALG_NOT_ALLOWED).',
    );
  });

  it('refuses tokens for another issuer or audience, without claims, or malformed', async () => {
    const foreign = await new SignJWT({ permissions: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('k1')
      .setJti('j')
      .setIssuer('someone-else')
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 60)
      .sign(SECRET);
    expect(await reasonOf(service().verify(foreign))).toBe(
      'The token is not valid (ERR_JWT_CLAIM_VALIDATION_FAILED).',
    );
    expect(await reasonOf(service().verify(await sign({})))).toBe(
      'The token does not carry the expected claims.',
    );
    expect(await reasonOf(service().verify(await sign({ permissions: 'IdentityStore:*' })))).toBe(
      'The token does not carry the expected claims.',
    );
    expect(await reasonOf(service().verify('not-a-jwt'))).toMatch(/^The token is not valid/);
    expect(await reasonOf(service().verify(''))).toMatch(/^The token is not valid/);
  });
});

describe('jwtSecretFrom', () => {
  it('uses JWT_SECRET, else derives from SECRETS_KEY (not equal to it), else random', () => {
    expect(Buffer.from(jwtSecretFrom({ jwtSecret: 'x'.repeat(32) })).toString()).toBe('x'.repeat(32));
    const derived = jwtSecretFrom({ secretsKey: 'k'.repeat(64) });
    expect(derived).toHaveLength(32);
    expect(Buffer.from(derived).equals(jwtSecretFrom({ secretsKey: 'k'.repeat(64) }))).toBe(true);
    expect(Buffer.from(derived).toString('hex')).not.toContain('6b6b6b6b');
    expect(Buffer.from(jwtSecretFrom({})).equals(jwtSecretFrom({}))).toBe(false);
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(() => new TokenService({ secret: Buffer.alloc(16) })).toThrow('at least 32 bytes');
  });
});
