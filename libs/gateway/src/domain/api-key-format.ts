import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * API key strings: `isk_<id>_<secret>`, with `id` lowercase letters and digits and `secret` the
 * base64url of 32 random bytes. For such random secrets only `SHA-256(secret)` (hex) is stored: a
 * 256-bit secret cannot be guessed, so a fast hash loses nothing.
 *
 * The bootstrap key from configuration (ADMIN_API_KEY) may be any string of 24+ characters: a
 * string that is not of the `isk_` form is taken as the secret of the key `admin` as a whole. A
 * configured key that is not of the random form (see {@link isRandomApiKey}) may have been chosen by
 * a person, so it is stored as a salted scrypt hash ({@link hashPassphrase}): a leaked database
 * must not make it cheap to guess offline (OWASP Password Storage Cheat Sheet).
 */
export const API_KEY_PREFIX = 'isk_';
export const apiKeyIdPattern = /^[a-z0-9]{1,64}$/;
const keyPattern = /^isk_([a-z0-9]{1,64})_([A-Za-z0-9_-]{16,512})$/;
/** 43 base64url characters: 256 bits when drawn at random, what {@link formatApiKey} writes for 32 bytes. */
const randomSecretPattern = /^[A-Za-z0-9_-]{43,512}$/;

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

/**
 * Whether a key has the form of a generated one: `isk_<id>_` and a secret of at least 43 base64url
 * characters (256 bits when random). Such keys keep the fast SHA-256; any other configured key is
 * treated as a passphrase. (A person can still type 43 characters of their own: the form is what
 * the gateway, `npm start` and distributed.sh generate, and what the README tells operators to use.)
 */
export const isRandomApiKey = (key: string): boolean => {
  const credential = parseApiKey(key);
  return credential !== undefined && randomSecretPattern.test(credential.secret);
};

export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret, 'utf8').digest('hex');

/**
 * scrypt parameters for passphrases: N=2^15, r=8, p=3 is one of the OWASP-listed equivalents of
 * N=2^17, r=8, p=1 (same CPU cost, about 0.2 s here) with a quarter of the memory (32 MiB). Checks
 * run on libuv's thread pool (4 threads by default), which bounds the memory concurrent checks take.
 */
export const PASSPHRASE_SCRYPT = { log2N: 15, r: 8, p: 3, keyLength: 32, saltLength: 16 } as const;
const PHC_PREFIX = '$scrypt$';
const phcPattern = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

const scryptOf = (
  secret: string,
  salt: Buffer,
  params: { log2N: number; r: number; p: number },
  keyLength: number,
): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const N = 2 ** params.log2N;
    scrypt(
      secret,
      salt,
      keyLength,
      { N, r: params.r, p: params.p, maxmem: 128 * N * params.r * 2 },
      (error, derived) => (error ? reject(error) : resolve(derived)),
    );
  });

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/** A salted scrypt hash in PHC string form: `$scrypt$ln=15,r=8,p=3$<salt>$<hash>` (base64, no padding). */
export const hashPassphrase = async (secret: string): Promise<string> => {
  const { log2N, r, p, keyLength, saltLength } = PASSPHRASE_SCRYPT;
  const salt = randomBytes(saltLength);
  const derived = await scryptOf(secret, salt, { log2N, r, p }, keyLength);
  return `${PHC_PREFIX}ln=${log2N},r=${r},p=${p}$${b64(salt)}$${b64(derived)}`;
};

/** Whether a stored hash is a (slow) passphrase hash rather than the SHA-256 of a random secret. */
export const isPassphraseHash = (stored: string): boolean => stored.startsWith(PHC_PREFIX);

/**
 * Constant-time comparison of a presented secret with a stored hash: SHA-256 hex for random
 * secrets, a PHC scrypt string for passphrases. Anything else never matches.
 */
export const secretMatches = async (stored: string, secret: string): Promise<boolean> => {
  if (isPassphraseHash(stored)) {
    const match = phcPattern.exec(stored);
    if (!match) return false;
    const [, log2N, r, p, salt, hash] = match;
    if (Number(log2N) > 20) return false; // not a hash this code writes; refuse rather than allocate GiBs
    const expected = Buffer.from(hash!, 'base64');
    const derived = await scryptOf(
      secret,
      Buffer.from(salt!, 'base64'),
      { log2N: Number(log2N), r: Number(r), p: Number(p) },
      expected.length,
    );
    return timingSafeEqual(derived, expected);
  }
  const expected = Buffer.from(stored, 'hex');
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === presented.length && timingSafeEqual(expected, presented);
};
