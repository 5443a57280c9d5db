import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { storageEnv } from './storage';

export * from './storage';

/** Thrown when the environment does not satisfy a service's configuration schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `env` with a zod schema and reports every bad variable at once. */
export const loadConfig = <S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> => {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
};

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
const port = z.coerce.number().int().min(0).max(65535);
const csv = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean));

const proxyNames = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isAddressOrSubnet = (entry: string) =>
  proxyNames.has(entry) || ipaddr.isValid(entry) || (entry.includes('/') && isCidr(entry));
const isCidr = (entry: string) => {
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
};

/**
 * TRUST_PROXY → Express `trust proxy`: which hops' X-Forwarded-For to believe for the client
 * address. `true` (every hop: only when the gateway is reachable through the proxy alone), `false`,
 * a hop count (`1`: the nearest proxy), or a comma-separated list of proxy addresses, CIDR subnets
 * and the names loopback, linklocal, uniquelocal (the safest: only those proxies are believed).
 */
export const trustProxySchema = z
  .string()
  .trim()
  .transform((value, ctx): boolean | number | string[] => {
    if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
    const bad = entries.filter((entry) => !isAddressOrSubnet(entry));
    if (entries.length === 0 || bad.length)
      ctx.addIssue({
        code: 'custom',
        message: `expected true, false, a hop count, or addresses/subnets/loopback/linklocal/uniquelocal; not ${bad.join(', ') || 'empty'}`,
      });
    return entries;
  });

/** Variables every deployment understands (see README "Configuration"). */
export const commonEnv = z.object({
  LOG_LEVEL: logLevel,
  /** Encryption key for secrets at rest: 32 bytes as base64/hex, or any passphrase (HKDF-derived). */
  SECRETS_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  KAFKA_BROKERS: csv.optional(),
  ...storageEnv.shape,
});

/** A service of the distributed layout: its own port and database. */
export const serviceEnv = commonEnv.extend({
  PORT: port,
  DATABASE_URL: z.string().url(),
});

export const gatewayEnv = commonEnv.extend({
  PORT: port.default(8080),
  DATABASE_URL: z.string().url(),
  ADMIN_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  /** HMAC key for the bearer tokens the gateway issues; derived from SECRETS_KEY when absent. */
  JWT_SECRET: z.string().min(32).optional(),
  TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(900),
  TRUST_PROXY: trustProxySchema.optional(),
  IDENTITY_URL: z.string().url(),
  TOTP_URL: z.string().url(),
  PASSCODE_URL: z.string().url(),
  PASSKEY_URL: z.string().url(),
  AUDIT_URL: z.string().url(),
});

export type CommonEnv = z.output<typeof commonEnv>;
export { z };

/** A service of the distributed layout: its port (with a default), its database, and Kafka. */
export const distributedServiceEnv = (defaultPort: number) =>
  serviceEnv.extend({
    PORT: port.default(defaultPort),
    HOST: z.string().optional(),
    KAFKA_BROKERS: csv.refine((brokers) => brokers.length > 0, 'must name a broker'),
  });
