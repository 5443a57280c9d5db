import type { KeyObject } from 'node:crypto';
import { operations, RouteTable, type ServiceName } from '@identity-store/contracts';
import { createPrismaClient, type PrismaClient, sqlOf } from '@identity-store/event-store';
import {
  createLogger,
  createServiceApps,
  type Express,
  GrantSigner,
  type Logger,
  parseGrantSigningKey,
  type ReadinessCheck,
  type Router,
} from '@identity-store/http-kit';
import type { Registry } from 'prom-client';
import { apiKeyRoutes } from './api/api-key-api';
import { type EnsureAdminKeyResult, ApiKeyService } from './api-key-service';
import { postgresApiKeyStorage } from './data/api-key-storage';
import type { IssueRateLimit, RateLimitStore } from './api/issue-rate-limit';
import { docsRoutes } from './api/docs';
import { createForwarder, type Forwarder, type ServiceTarget } from './api/forwarding';
import { authenticateApiRequests, identityStoreRoutes } from './api/identity-store-routes';
import { jwtSecretFrom, TokenService } from './api/tokens';

export interface GatewayAppOptions {
  /**
   * The gateway's own database (event-store schema). Migrate it first with
   * `migrateDatabase(url)` from @identity-store/event-store. Or pass `prisma` instead.
   */
  databaseUrl?: string;
  /** A client to use instead of `databaseUrl` (not disconnected by `close()`). */
  prisma?: PrismaClient;
  /** Per owning service: a base URL (proxied) or an Express app / handler (called in-process). */
  targets: Partial<Record<ServiceName, ServiceTarget>>;
  /** The document served at /api/identity-store/openapi.json (and rendered at /docs); built once. */
  openApiDocument?: () => object;
  /** HMAC key of the bearer tokens (32+ chars). Else derived from `secretsKey`, else random per process. */
  jwtSecret?: string;
  secretsKey?: string;
  /**
   * Ed25519 private key (KeyObject, PEM or base64 DER) of the grants sent to proxied services;
   * required when a target is a URL. In-process targets get their grants unsigned.
   */
  grantSigningKey?: KeyObject | string;
  /** Ensured as the bootstrap key `admin` while the gateway is created (see apiKeys.ensureAdminKey). */
  adminApiKey?: string;
  /** Token lifetime, default 900 s. */
  tokenTtlSeconds?: number;
  /**
   * Failed `POST /api/arthr/apiKeys/issue` attempts: per client address (IPv6 /64) default 10 per
   * 60 s; per passphrase-style key default 30 per 900 s. Counted in the gateway's database (shared
   * by every instance on it); in memory only for a `prisma` client not made by createPrismaClient.
   */
  issueRateLimit?: IssueRateLimit;
  /** How long a key's state (revoked? re-keyed? scope) is trusted per request, default 10 000 ms. */
  keyStatusTtlMs?: number;
  /**
   * Express `trust proxy` (TRUST_PROXY): which proxies' X-Forwarded-For to believe for the client
   * address — `true` (any), a hop count, or addresses/subnets. Unset: the header is ignored.
   */
  trustProxy?: boolean | number | string | string[];
  /** The clock of tokens and key-status caching (tests). */
  now?: () => Date;
  logger?: Logger;
  /** A registry shared by every app of the process (embedded default). */
  metrics?: Registry;
  /** Mount /healthz and /readyz on the public app (default true); /metrics is on `admin`. */
  operationalEndpoints?: boolean;
  /** More routes of the admin app (e.g. the embedded process's projection rebuild). */
  adminRouters?: Router[];
  /** Additional readiness checks (the database and every proxied service are always checked). */
  readiness?: ReadinessCheck[];
  jsonLimit?: string;
}

export interface GatewayApp {
  /** The gateway: listen on it, or mount it. */
  app: Express;
  /** Its admin app (metrics, detailed readiness): listen on a loopback or internal port only. */
  admin: Express;
  apiKeys: {
    /**
     * Ensures the bootstrap key `admin` (`IdentityStore:*`, every store). With a key
     * (ADMIN_API_KEY): creates it or re-keys it to this key. Without: generates one only if none
     * exists and returns it in `key` (show it once; it is not stored). Idempotent.
     */
    ensureAdminKey(key?: string): Promise<EnsureAdminKeyResult>;
  };
  /** Releases the proxies' keep-alive sockets and the database client (if the gateway created it). */
  close(): Promise<void>;
}

/**
 * The API gateway: API keys and bearer tokens, authorisation of every `/api/identity-store/**`
 * operation against the operation table, and routing to the owning services (proxied or
 * in-process). The database must be migrated beforehand; creating the gateway only touches it to
 * ensure `adminApiKey` when one is given.
 */
export const createGatewayApp = async (options: GatewayAppOptions): Promise<GatewayApp> => {
  if (!options.prisma && !options.databaseUrl)
    throw new Error('createGatewayApp needs databaseUrl or prisma');
  const prisma = options.prisma ?? createPrismaClient(options.databaseUrl!, { poolSize: 5 });
  const logger = options.logger ?? createLogger('gateway');
  const apiKeys = new ApiKeyService(postgresApiKeyStorage(prisma), {
    statusTtlMs: options.keyStatusTtlMs,
    now: options.now,
  });
  const tokens = new TokenService({
    secret: jwtSecretFrom({ jwtSecret: options.jwtSecret, secretsKey: options.secretsKey }),
    ttlSeconds: options.tokenTtlSeconds,
    now: options.now,
  });
  let rateLimitStore: RateLimitStore;
  try {
    rateLimitStore = { kind: 'database', pool: sqlOf(prisma) };
  } catch {
    logger.warn('issue rate limit counted in memory: the prisma client was not made by createPrismaClient');
    rateLimitStore = { kind: 'memory' };
  }
  const signingKey =
    typeof options.grantSigningKey === 'string'
      ? parseGrantSigningKey(options.grantSigningKey)
      : options.grantSigningKey;
  const signer = signingKey ? new GrantSigner(signingKey) : undefined;
  const forwarders: Partial<Record<ServiceName, Forwarder>> = {};
  for (const [service, target] of Object.entries(options.targets) as [
    ServiceName,
    ServiceTarget | undefined,
  ][])
    if (target !== undefined) forwarders[service] = createForwarder(service, target, logger, signer);

  const readiness: ReadinessCheck[] = [
    { name: 'database', check: () => apiKeys.ping() },
    ...Object.entries(forwarders).flatMap(([service, forwarder]) =>
      forwarder.check ? [{ name: `service:${service}`, check: forwarder.check }] : [],
    ),
    ...(options.readiness ?? []),
  ];

  const routes = new RouteTable(operations);
  const { app, admin } = createServiceApps({
    name: 'gateway',
    adminRouters: options.adminRouters,
    logger,
    metrics: options.metrics,
    operationalEndpoints: options.operationalEndpoints,
    jsonLimit: options.jsonLimit,
    readiness,
    // The docs and the table's public operations are public; every other /api/identity-store/**
    // request is authenticated first.
    beforeBody: [docsRoutes(options.openApiDocument), authenticateApiRequests({ apiKeys, tokens, routes })],
    routers: [
      apiKeyRoutes({ apiKeys, tokens, issueRateLimit: options.issueRateLimit, rateLimitStore }),
      identityStoreRoutes({ apiKeys, tokens, routes, forwarders }),
    ],
  });
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);

  const close = async () => {
    for (const forwarder of Object.values(forwarders)) forwarder.close();
    if (!options.prisma) await prisma.$disconnect();
  };
  if (options.adminApiKey !== undefined) {
    try {
      await apiKeys.ensureAdminKey(options.adminApiKey);
    } catch (error) {
      await close();
      throw error;
    }
  }
  return { app, admin, apiKeys: { ensureAdminKey: (key) => apiKeys.ensureAdminKey(key) }, close };
};
