import pino, { type Logger } from 'pino';

/** Paths never written to logs: credentials, secrets and tokens in requests and bodies. */
const redact = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.secret',
  '*.code',
  '*.verifier',
  '*.salt',
  '*.token',
  '*.apiKey',
  '*.privateKey',
];

export const createLogger = (name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger =>
  pino({ name, level, redact: { paths: redact, censor: '[redacted]' } });

export type { Logger };
