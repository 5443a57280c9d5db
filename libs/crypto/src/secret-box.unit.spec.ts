import { SecretBox, generateSecretsKey } from './index';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(generateSecretsKey());
  const secret = Buffer.from('12345678901234567890');

  it('round-trips a secret and never stores it in clear', () => {
    const sealed = box.encrypt(secret, 'user-1');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(secret.toString('base64url'));
    expect(box.decrypt(sealed, 'user-1')).toEqual(secret);
  });

  it('uses a fresh IV each time', () => {
    expect(box.encrypt(secret)).not.toEqual(box.encrypt(secret));
  });

  it('rejects a ciphertext bound to another context, a tampered one, or another key', () => {
    const sealed = box.encrypt(secret, 'user-1');
    expect(() => box.decrypt(sealed, 'user-2')).toThrow();
    const [v, iv, body] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => box.decrypt(`${v}.${iv}.${flipped.toString('base64url')}`, 'user-1')).toThrow();
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
