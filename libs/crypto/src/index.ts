import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const decodeKey = (material: string): Buffer => {
  if (/^[0-9a-f]{64}$/i.test(material)) return Buffer.from(material, 'hex');
  const base64 = Buffer.from(material, 'base64');
  if (base64.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(material)) return base64;
  // Any other passphrase: derive a 256-bit key (HKDF-SHA-256) rather than use it raw.
  return Buffer.from(hkdfSync('sha256', material, 'identity-store', 'secrets-at-rest', 32));
};

/** A key id: what a `v2` ciphertext names its key by. */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** `kid:key,kid:key,…` (keys are hex, base64 or passphrases without commas). */
const KEY_RING = /^[A-Za-z0-9_-]{1,32}:[^,]+(?:,[A-Za-z0-9_-]{1,32}:[^,]+)*$/;
/** The id of a SECRETS_KEY given as one key without an id (as before key rings existed). */
export const DEFAULT_KEY_ID = '0';
const MIN_KEY_LENGTH = 16;

interface RingKey {
  id: string;
  key: Buffer;
}

/**
 * Parses SECRETS_KEY: one key (hex, base64 or passphrase; its id is {@link DEFAULT_KEY_ID}), or a
 * key ring `kid1:key1,kid0:key0` whose first key encrypts and all of which decrypt.
 */
export const parseSecretsKey = (material: string): RingKey[] => {
  if (!KEY_RING.test(material)) {
    if (material.length < MIN_KEY_LENGTH)
      throw new Error(`SECRETS_KEY must be at least ${MIN_KEY_LENGTH} characters`);
    return [{ id: DEFAULT_KEY_ID, key: decodeKey(material) }];
  }
  const ring = material.split(',').map((entry) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const key = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) throw new Error(`SECRETS_KEY: key id "${id}" must be 1–32 letters, digits, - or _`);
    if (key.length < MIN_KEY_LENGTH)
      throw new Error(`SECRETS_KEY: key "${id}" must be at least ${MIN_KEY_LENGTH} characters`);
    return { id, key: decodeKey(key) };
  });
  const ids = ring.map((k) => k.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw new Error(`SECRETS_KEY: key id "${repeated}" appears twice`);
  return ring;
};

const IV_BYTES = 12;
const TAG_BYTES = 16;

const seal = (key: Buffer, plaintext: Uint8Array, aad: string) => {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${iv.toString('base64url')}.${body.toString('base64url')}`;
};

const open = (key: Buffer, iv: string, body: string, aad: string): Buffer => {
  const data = Buffer.from(body, 'base64url');
  if (data.length < TAG_BYTES) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]);
};

/**
 * Encrypts secrets at rest with AES-256-GCM (random 96-bit IV per value, 128-bit tag) under a key
 * ring, so SECRETS_KEY can be rotated: put a new key first (it encrypts from then on) and keep the
 * old ones after it (they still decrypt what they encrypted).
 *
 * Ciphertexts are `v2.<kid>.<iv>.<ciphertext+tag>` (base64url). `context` is bound as additional
 * authenticated data (prefixed with `v2.<kid>.`, so neither the key id nor the version can be
 * rewritten): a ciphertext copied to another record fails. `v1.<iv>.<ciphertext+tag>` values (no
 * key id, written before key rings) still decrypt, with any key of the ring, or with the whole
 * SECRETS_KEY read as one key (a pre-ring passphrase that happens to look like `id:key`).
 */
export class SecretBox {
  private readonly ring: RingKey[];
  private readonly byId: Map<string, Buffer>;
  private readonly legacyKeys: Buffer[];

  constructor(keyMaterial: string) {
    this.ring = parseSecretsKey(keyMaterial);
    this.byId = new Map(this.ring.map((k) => [k.id, k.key]));
    const whole = decodeKey(keyMaterial);
    this.legacyKeys = [
      ...this.ring.map((k) => k.key),
      ...(this.ring.some((k) => k.key.equals(whole)) ? [] : [whole]),
    ];
  }

  /** The id of the key that encrypts (the first of the ring). */
  get currentKeyId(): string {
    return this.ring[0]!.id;
  }

  encrypt(plaintext: Uint8Array, context = ''): string {
    const { id, key } = this.ring[0]!;
    const header = `v2.${id}.`;
    return header + seal(key, plaintext, header + context);
  }

  decrypt(ciphertext: string, context = ''): Buffer {
    const parts = ciphertext.split('.');
    if (parts[0] === 'v2' && parts.length === 4) {
      const [, id, iv, body] = parts as [string, string, string, string];
      const key = this.byId.get(id);
      if (!key) throw new Error(`no key "${id}" in SECRETS_KEY to decrypt with`);
      return open(key, iv, body, `v2.${id}.${context}`);
    }
    if (parts[0] === 'v1' && parts.length === 3) {
      const [, iv, body] = parts as [string, string, string];
      for (const key of this.legacyKeys) {
        try {
          return open(key, iv, body, context);
        } catch {
          // not this key: the tag does not verify
        }
      }
      throw new Error('v1 ciphertext does not decrypt with any key of SECRETS_KEY');
    }
    throw new Error('unsupported ciphertext format');
  }

  /** Whether a ciphertext predates key ids (`v1`): callers may bind it to an older context. */
  static isLegacy(ciphertext: string): boolean {
    return ciphertext.startsWith('v1.');
  }

  /**
   * A key for another purpose (e.g. an HMAC key), derived from the current key with HKDF-SHA-256
   * and `purpose` as the info: independent of the encryption key and of other purposes.
   */
  deriveKey(purpose: string, length = 32): Buffer {
    return Buffer.from(hkdfSync('sha256', this.ring[0]!.key, 'identity-store', purpose, length));
  }
}

/** A random key for a fresh embedded installation (hex, 32 bytes). */
export const generateSecretsKey = (): string => randomBytes(32).toString('hex');
