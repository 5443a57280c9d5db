import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * API key strings: `isk_<id>_<secret>`, with `id` lowercase letters and digits and `secret` the
 * base64url of 32 random bytes. Only `SHA-256(secret)` (hex) is stored. Pure functions: the random
 * bytes are drawn by the caller.
 *
 * The bootstrap key from configuration (ADMIN_API_KEY) may be any string of 24+ characters: a
 * string that is not of the `isk_` form is taken as the secret of the key `admin` as a whole.
 */
export const API_KEY_PREFIX = 'isk_';
export const apiKeyIdPattern = /^[a-z0-9]{1,64}$/;
const keyPattern = /^isk_([a-z0-9]{1,64})_([A-Za-z0-9_-]{16,512})$/;

export interface ApiKeyCredential {
  id: string;
  secret: string;
}

export const formatApiKey = (id: string, secretBytes: Uint8Array): string =>
  `${API_KEY_PREFIX}${id}_${Buffer.from(secretBytes).toString('base64url')}`;

export const parseApiKey = (key: string): ApiKeyCredential | undefined => {
  const match = keyPattern.exec(key);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
};

/** The credential a presented key string stands for; non-`isk_` strings are the bootstrap key's. */
export const credentialOf = (key: string, bootstrapId: string): ApiKeyCredential =>
  parseApiKey(key) ?? { id: bootstrapId, secret: key };

export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret, 'utf8').digest('hex');

/** Constant-time comparison of a presented secret with a stored hash. */
export const secretMatches = (storedHashHex: string, secret: string): boolean => {
  const stored = Buffer.from(storedHashHex, 'hex');
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  return stored.length === presented.length && timingSafeEqual(stored, presented);
};
