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
  /**
   * The public https origin clients reach the gateway at (e.g. https://id.example.com): absolute URLs
   * the API hands out are made with it, such as a UAF AppID (the TrustedFacets list's URL).
   */
  PUBLIC_BASE_URL: z.string().url().optional(),
  ...storageEnv.shape,
});

/** A service of the distributed layout: its own port and database. */
export const serviceEnv = commonEnv.extend({
  PORT: port,
  DATABASE_URL: z.string().url(),
});

/**
 * Listeners of a process of the distributed layout: the public one on HOST (loopback unless set;
 * containers set 0.0.0.0) and the admin one (metrics, detailed readiness, admin routes) only when
 * ADMIN_PORT is set, on ADMIN_HOST (loopback unless set).
 */
const listenerEnv = {
  HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_PORT: port.optional(),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
};

export const gatewayEnv = commonEnv.extend({
  ...listenerEnv,
  PORT: port.default(8080),
  DATABASE_URL: z.string().url(),
  ADMIN_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  /** HMAC key for the bearer tokens the gateway issues; derived from SECRETS_KEY when absent. */
  JWT_SECRET: z.string().min(32).optional(),
  /** Ed25519 private key the gateway signs its grants to the services with (PEM or base64 DER). */
  GATEWAY_SIGNING_KEY: z.string().min(1, 'is required: the services accept only requests the gateway granted'),
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
    ...listenerEnv,
    PORT: port.default(defaultPort),
    KAFKA_BROKERS: csv.refine((brokers) => brokers.length > 0, 'must name a broker'),
    /** The gateway's Ed25519 public key (PEM or base64 DER): grants signed with its private key are accepted. */
    GATEWAY_VERIFY_KEY: z.string().min(1, 'is required: the public key of the gateway grants'),
    /** HMAC key of the tokens the services send each other on /internal/* (32+ bytes, the same in every service). */
    INTERNAL_TOKEN_KEY: z.string().refine((key) => Buffer.byteLength(key) >= 32, 'must be at least 32 bytes'),
    /** Bound of the audit's read-your-writes wait; callers wait for its answer this long plus a margin. */
    CONSISTENCY_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(2_000),
  });
