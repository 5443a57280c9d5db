import { createCipheriv, randomBytes } from 'node:crypto';
import { SecretBox, generateSecretsKey, parseSecretsKey } from './index';

/** A `v1.<iv>.<ciphertext+tag>` value as SecretBox wrote it before key rings (AAD = the context). */
const v1Ciphertext = (keyHex: string, plaintext: Buffer, context: string) => {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
};

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(generateSecretsKey());
  const secret = Buffer.from('12345678901234567890');

  it('round-trips a secret and never stores it in clear', () => {
    const sealed = box.encrypt(secret, 'user-1');
    expect(sealed).toMatch(/^v2\.0\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(secret.toString('base64url'));
    expect(box.decrypt(sealed, 'user-1')).toEqual(secret);
  });

  it('uses a fresh IV each time', () => {
    expect(box.encrypt(secret)).not.toEqual(box.encrypt(secret));
  });

  it('rejects a ciphertext bound to another context, a tampered one, or another key', () => {
    const sealed = box.encrypt(secret, 'user-1');
    expect(() => box.decrypt(sealed, 'user-2')).toThrow();
    const [v, kid, iv, body] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => box.decrypt(`${v}.${kid}.${iv}.${flipped.toString('base64url')}`, 'user-1')).toThrow();
    expect(() => new SecretBox(generateSecretsKey()).decrypt(sealed, 'user-1')).toThrow();
  });

  it('accepts hex, base64 and passphrase keys', () => {
    const hex = generateSecretsKey();
    const b64 = Buffer.from(hex, 'hex').toString('base64');
    expect(new SecretBox(b64).decrypt(new SecretBox(hex).encrypt(secret), '')).toEqual(secret);
    const phrase = new SecretBox('correct horse battery staple');
    expect(phrase.decrypt(phrase.encrypt(secret))).toEqual(secret);
  });
});

describe('SecretBox key ring (SECRETS_KEY rotation)', () => {
  const secret = Buffer.from('JBSWY3DPEHPK3PXP');
  const oldKey = generateSecretsKey();
  const newKey = generateSecretsKey();

  it('parses one key as the ring of key "0", and `kid:key,…` as a ring whose first key encrypts', () => {
    expect(parseSecretsKey(oldKey).map((k) => k.id)).toEqual(['0']);
    expect(parseSecretsKey(`k2:${newKey},0:${oldKey}`).map((k) => k.id)).toEqual(['k2', '0']);
    expect(new SecretBox(`k2:${newKey},0:${oldKey}`).currentKeyId).toBe('k2');
    expect(new SecretBox(`k2:${newKey},0:${oldKey}`).encrypt(secret)).toMatch(/^v2\.k2\./);
  });

  it('refuses a ring with a repeated id or a short key, naming it', () => {
    expect(() => parseSecretsKey(`a:${newKey},a:${oldKey}`)).toThrow(/"a" appears twice/);
    expect(() => parseSecretsKey(`a:${newKey},b:short`)).toThrow(/key "b" must be at least 16/);
    expect(() => parseSecretsKey('short')).toThrow(/at least 16/);
  });

  it('rotation: data encrypted under the old key still decrypts after a new current key is added', () => {
    const before = new SecretBox(oldKey);
    const sealedOld = before.encrypt(secret, 'user-1/totp:c1:secret');
    const rotated = new SecretBox(`1:${newKey},0:${oldKey}`);
    expect(rotated.decrypt(sealedOld, 'user-1/totp:c1:secret')).toEqual(secret);
    const sealedNew = rotated.encrypt(secret, 'user-1/totp:c1:secret');
    expect(sealedNew).toMatch(/^v2\.1\./);
    expect(rotated.decrypt(sealedNew, 'user-1/totp:c1:secret')).toEqual(secret);
    // The old key alone cannot read what the new key wrote; a ring without the old key cannot read the old data.
    expect(() => before.decrypt(sealedNew, 'user-1/totp:c1:secret')).toThrow(/no key "1"/);
    expect(() => new SecretBox(`1:${newKey}`).decrypt(sealedOld, 'user-1/totp:c1:secret')).toThrow(
      /no key "0"/,
    );
  });

  it('the key id and version are authenticated: relabelling a ciphertext fails', () => {
    const ring = new SecretBox(`1:${newKey},0:${newKey}`); // same key under two ids
    const sealed = ring.encrypt(secret, 'ctx');
    const [, , iv, body] = sealed.split('.');
    expect(() => ring.decrypt(`v2.0.${iv}.${body}`, 'ctx')).toThrow();
    expect(() => ring.decrypt(`v1.${iv}.${body}`, 'ctx')).toThrow();
  });

  it('a v1 ciphertext (no key id) decrypts with the single legacy key, and with a ring that keeps it', () => {
    const legacy = v1Ciphertext(oldKey, secret, 'user-1');
    expect(new SecretBox(oldKey).decrypt(legacy, 'user-1')).toEqual(secret);
    expect(new SecretBox(`1:${newKey},0:${oldKey}`).decrypt(legacy, 'user-1')).toEqual(secret);
    expect(() => new SecretBox(oldKey).decrypt(legacy, 'user-2')).toThrow();
    expect(() => new SecretBox(newKey).decrypt(legacy, 'user-1')).toThrow(/any key/);
    expect(SecretBox.isLegacy(legacy)).toBe(true);
    expect(SecretBox.isLegacy(new SecretBox(oldKey).encrypt(secret))).toBe(false);
  });

  it('derives purpose keys from the current key: stable, distinct per purpose, not the encryption key', () => {
    const box = new SecretBox(oldKey);
    expect(box.deriveKey('a')).toEqual(new SecretBox(oldKey).deriveKey('a'));
    expect(box.deriveKey('a')).not.toEqual(box.deriveKey('b'));
    expect(box.deriveKey('a').toString('hex')).not.toBe(oldKey);
  });
});
