import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

const decodeKey = (material: string): Buffer => {
  if (/^[0-9a-f]{64}$/i.test(material)) return Buffer.from(material, 'hex');
  const base64 = Buffer.from(material, 'base64');
  if (base64.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(material)) return base64;
  // Any other passphrase: derive a 256-bit key (HKDF-SHA-256) rather than use it raw.
  return Buffer.from(hkdfSync('sha256', material, 'identity-store', 'secrets-at-rest', 32));
};

/**
 * Encrypts secrets at rest with AES-256-GCM (random 96-bit IV per value, 128-bit tag).
 * Ciphertexts look like `v1.<iv>.<ciphertext+tag>` (base64url), so the format can evolve.
 * `context` is bound as additional authenticated data: a ciphertext copied to another record fails.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(keyMaterial: string) {
    this.key = decodeKey(keyMaterial);
  }

  encrypt(plaintext: Uint8Array, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  decrypt(ciphertext: string, context = ''): Buffer {
    const [version, iv, body] = ciphertext.split('.');
    if (version !== VERSION || !iv || !body) throw new Error('unsupported ciphertext format');
    const data = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
  }
}

/** A random key for a fresh embedded installation (hex, 32 bytes). */
export const generateSecretsKey = (): string => randomBytes(32).toString('hex');
