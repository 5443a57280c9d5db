import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Keys whose values never reach a log, wherever they sit: credentials and secrets in requests,
 * bodies and errors (a TOTP code or secret, SRP salts and verifiers, passcodes, tokens, keys — push
 * providers' private keys in plain or as ciphertext —, devices' push tokens, face images and templates).
 */
const SECRET_KEYS = [
  'secret',
  'code',
  'verifier',
  'salt',
  'token',
  'apiKey',
  'privateKey',
  'encryptedPrivateKey',
  'password',
  'passcode',
  'pushToken',
  'image',
  'encryptedTemplate',
  'embedding',
];
/**
 * pino's redaction has no recursive wildcard: each key at the top level and up to four levels down
 * (`req.body.code`, `err.body.credentials.secret`, items of arrays included).
 */
const DEPTHS = ['', '*.', '*.*.', '*.*.*.', '*.*.*.*.'];

/** Paths never written to logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-identity-store-grant"]',
  'res.headers["set-cookie"]',
  ...DEPTHS.flatMap((depth) => SECRET_KEYS.map((key) => `${depth}${key}`)),
];

/** The process's logger (`destination`: where lines go, stdout by default; tests capture them). */
export const createLogger = (
  name: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger => pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);

export type { Logger };
