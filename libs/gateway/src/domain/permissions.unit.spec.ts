import { createHash } from 'node:crypto';
import {
  credentialOf,
  formatApiKey,
  hashPassphrase,
  hashSecret,
  isPassphraseHash,
  isRandomApiKey,
  parseApiKey,
  secretMatches,
} from './api-key-format';
import { hasPermission, isKnownPermission, narrowScope, scopeViolation, storeAllowed } from './permissions';

describe('permissions', () => {
  it('knows the permissions of the operation table, the API-key operations and the wildcard', () => {
    expect(isKnownPermission('IdentityStore:createUser')).toBe(true);
    expect(isKnownPermission('IdentityStore:authenticateTotp')).toBe(true);
    expect(isKnownPermission('IdentityStore:createApiKey')).toBe(true);
    expect(isKnownPermission('IdentityStore:*')).toBe(true);
    // the /ext twins share their operation's permission; they have none of their own
    expect(isKnownPermission('IdentityStore:getUserByExtId')).toBe(false);
    expect(isKnownPermission('IdentityStore:createuser')).toBe(false);
    expect(isKnownPermission('createUser')).toBe(false);
  });

  it('grants by exact permission or wildcard', () => {
    expect(hasPermission(['IdentityStore:getStore'], 'IdentityStore:getStore')).toBe(true);
    expect(hasPermission(['IdentityStore:getStore'], 'IdentityStore:deleteStore')).toBe(false);
    expect(hasPermission(['IdentityStore:*'], 'IdentityStore:deleteStore')).toBe(true);
    expect(storeAllowed(null, 'any')).toBe(true);
    expect(storeAllowed(['a'], 'a')).toBe(true);
    expect(storeAllowed(['a'], 'b')).toBe(false);
  });

  it('lets a key hand out only what it holds', () => {
    const admin = { permissions: ['IdentityStore:*'], stores: null };
    const limited = {
      permissions: ['IdentityStore:getStore', 'IdentityStore:createApiKey'],
      stores: ['a', 'b'],
    };
    expect(scopeViolation(admin, { permissions: ['IdentityStore:*'], stores: null })).toBeUndefined();
    expect(
      scopeViolation(limited, { permissions: ['IdentityStore:getStore'], stores: ['a'] }),
    ).toBeUndefined();
    expect(scopeViolation(limited, { permissions: ['IdentityStore:*'], stores: ['a'] })).toEqual({
      code: 'PERMISSION_DENIED',
      detail: 'The calling key lacks IdentityStore:*.',
      missing: ['IdentityStore:*'],
    });
    expect(
      scopeViolation(limited, {
        permissions: ['IdentityStore:getStore', 'IdentityStore:deleteStore'],
        stores: ['a'],
      })?.missing,
    ).toEqual(['IdentityStore:deleteStore']);
    expect(scopeViolation(limited, { permissions: ['IdentityStore:getStore'], stores: null })?.code).toBe(
      'STORE_NOT_ALLOWED',
    );
    expect(scopeViolation(limited, { permissions: ['IdentityStore:getStore'], stores: ['a', 'c'] })).toEqual({
      code: 'STORE_NOT_ALLOWED',
      detail: 'The calling key may not use store(s) c.',
      missing: ['c'],
    });
  });

  it("narrows a token's scope to the key's current one", () => {
    expect(
      narrowScope(
        { permissions: ['IdentityStore:*'], stores: null },
        { permissions: ['IdentityStore:getStore'], stores: ['a'] },
      ),
    ).toEqual({
      permissions: ['IdentityStore:getStore'],
      stores: ['a'],
    });
    expect(
      narrowScope(
        { permissions: ['IdentityStore:getStore', 'IdentityStore:createUser'], stores: ['a', 'b'] },
        { permissions: ['IdentityStore:createUser'], stores: ['b', 'c'] },
      ),
    ).toEqual({ permissions: ['IdentityStore:createUser'], stores: ['b'] });
    expect(
      narrowScope(
        { permissions: ['IdentityStore:getStore'], stores: ['a'] },
        { permissions: ['IdentityStore:*'], stores: null },
      ),
    ).toEqual({
      permissions: ['IdentityStore:getStore'],
      stores: ['a'],
    });
  });
});

describe('api key strings', () => {
  const secret = Buffer.alloc(32, 7);

  it('formats isk_<id>_<base64url secret> and parses it back', () => {
    const key = formatApiKey('abc123', secret);
    expect(key).toBe(`isk_abc123_${secret.toString('base64url')}`);
    expect(parseApiKey(key)).toEqual({ id: 'abc123', secret: secret.toString('base64url') });
    // base64url secrets may contain "_" and "-": only the first "_" after the id separates
    expect(parseApiKey('isk_k1_ab_cd-ef_ghijklmnopqr')).toEqual({
      id: 'k1',
      secret: 'ab_cd-ef_ghijklmnopqr',
    });
  });

  it('refuses other shapes; those are the bootstrap key as a whole', () => {
    expect(parseApiKey('isk_ABC_0123456789abcdefgh')).toBeUndefined();
    expect(parseApiKey('isk_k1_short')).toBeUndefined();
    expect(parseApiKey('a-plain-configured-admin-key-123')).toBeUndefined();
    expect(credentialOf('a-plain-configured-admin-key-123', 'admin')).toEqual({
      id: 'admin',
      secret: 'a-plain-configured-admin-key-123',
    });
    expect(credentialOf('isk_k1_0123456789abcdefgh', 'admin')).toEqual({
      id: 'k1',
      secret: '0123456789abcdefgh',
    });
  });

  it('stores SHA-256 hex of the secret and compares in constant time', async () => {
    const hash = hashSecret('s3cret');
    expect(hash).toBe(createHash('sha256').update('s3cret').digest('hex'));
    expect(await secretMatches(hash, 's3cret')).toBe(true);
    expect(await secretMatches(hash, 's3cret!')).toBe(false);
    expect(await secretMatches('abcd', 's3cret')).toBe(false);
  });

  it('tells generated (random) keys from passphrases: isk_<id>_ and 43+ base64url characters', () => {
    expect(isRandomApiKey(formatApiKey('admin', secret))).toBe(true);
    expect(isRandomApiKey(`isk_admin_${'a1B2-_'.repeat(8)}`)).toBe(true); // 48 characters
    expect(isRandomApiKey(`isk_admin_${'x'.repeat(42)}`)).toBe(false);
    expect(isRandomApiKey('isk_admin_rotatedSecretValue0123456789abcdef')).toBe(false);
    expect(isRandomApiKey('a-plain-configured-admin-key-1234567890-1234567890')).toBe(false);
  });

  it('stores a passphrase as a salted scrypt PHC string (OWASP parameters) and verifies it', async () => {
    const first = await hashPassphrase('correct horse battery staple');
    const second = await hashPassphrase('correct horse battery staple');
    expect(first).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(first).not.toBe(second);
    expect(isPassphraseHash(first)).toBe(true);
    expect(isPassphraseHash(hashSecret('x'))).toBe(false);
    expect(await secretMatches(first, 'correct horse battery staple')).toBe(true);
    expect(await secretMatches(second, 'correct horse battery staple')).toBe(true);
    expect(await secretMatches(first, 'correct horse battery stapler')).toBe(false);
    // a damaged or foreign hash never matches, and cost parameters beyond any this code writes are refused
    expect(await secretMatches(first.replace('$ln=15,', '$ln=99,'), 'correct horse battery staple')).toBe(
      false,
    );
    expect(await secretMatches('$scrypt$nonsense', 'x')).toBe(false);
  });
});
