import type { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createAppkeyModule } from '@identity-store/appkey';
import { createAuditModule } from '@identity-store/audit';
import { createBiometricModule } from '@identity-store/biometric';
import { createIdentityModule } from '@identity-store/identity';
import { createPasscodeModule } from '@identity-store/passcode';
import { createPasskeyModule } from '@identity-store/passkey';
import { createTotpModule } from '@identity-store/totp';
import { storageSettings, type StorageSettings } from '@identity-store/config';
import { buildOpenApiDocument } from '@identity-store/contracts';
import { SessionSweeper } from '@identity-store/credential-kit';
import { SecretBox } from '@identity-store/crypto';
import {
  createPrismaClient,
  migrateDatabase,
  PostgresEventStore,
  outboxReplaySource,
  type PrismaClient,
  startOutboxRelay,
  startOutboxRetention,
} from '@identity-store/event-store';
import { answerClientErrorsWithProblems, createLogger, createMetricsRegistry, type Logger } from '@identity-store/http-kit';
import { InProcessTransport, KafkaTransport, type MessageTransport } from '@identity-store/messaging';
import type { IdentityQueries } from '@identity-store/service-clients';
import express from 'express';
import type { Registry } from 'prom-client';
import { createGatewayApp } from '@identity-store/gateway';
import type { PushSender } from '@identity-store/push';
import { createFaceAnalyzer, type FaceAnalyzer } from '@identity-store/face';

export interface SystemOptions {
  /** A PostgreSQL server URL; each service gets its own database `<prefix>_<service>` on it. */
  postgresUrl: string;
  databasePrefix?: string;
  transport: { kind: 'in-process' } | { kind: 'kafka'; brokers: string[] };
  port?: number;
  host?: string;
  secretsKey: string;
  adminApiKey?: string;
  /** HMAC key of the bearer tokens; else derived from `secretsKey` by HKDF (never the raw key). */
  jwtSecret?: string;
  /** The gateway's Express `trust proxy` (TRUST_PROXY). */
  trustProxy?: boolean | number | string[];
  /**
   * Port of the admin listener (metrics, detailed readiness, projection rebuild), on 127.0.0.1;
   * none when absent.
   */
  adminPort?: number;
  logger?: Logger;
  /** Consumer group of the audit projector and where a new group starts (see AuditProjectorOptions). */
  auditProjector?: { consumerGroup?: string; fromBeginning?: boolean };
  /** Bound of the read-your-writes wait. */
  consistencyTimeoutMs?: number;
  /** Session sweep and outbox retention (README "Configuration"); defaults: `storageSettings()`. */
  storage?: StorageSettings;
  /** The credential services' clock (tests move it to expire sessions). */
  clock?: () => Date;
  /** The appkey service's APNs/FCM sender (tests give one that trusts their stand-ins). */
  pushSender?: PushSender;
  /** PUBLIC_BASE_URL: the origin clients reach the API at (absolute UAF AppIDs). */
  publicBaseUrl?: string;
  /** The face matcher's worker threads (default: one per core but one; tests use one). */
  biometricThreads?: number;
}

export interface RunningSystem {
  url: string;
  server: Server;
  /** The admin listener's URL, when `adminPort` was given. */
  adminUrl?: string;
  transport: MessageTransport;
  databases: Record<string, string>;
  /** The publishing services' event stores (benchmarks append through them, as the services do). */
  eventStores: Record<'identity' | 'totp' | 'passcode' | 'passkey' | 'appkey' | 'biometric', PostgresEventStore>;
  /** Stops accepting requests, waits up to `graceMs` (default 10 s) for those in flight, then stops everything. */
  close(options?: { graceMs?: number }): Promise<void>;
  /** Publishes pending outbox rows now and, in-process, waits until the consumers handled them (tests). */
  drainOutboxes(): Promise<void>;
  /** Closes expired ceremony sessions now (tests); how many streams it changed. */
  sweepSessions(): Promise<number>;
  /** Prunes published outbox rows past the retention now (tests; Kafka only); how many. */
  pruneOutboxes(): Promise<number>;
  rebuildAudit(): Promise<void>;
  /** This process's metrics (what /metrics shows). */
  metrics: Registry;
  /** Append → summaryInfo lag samples of this process (seconds). */
  projectionLag(): Promise<{ count: number; buckets: Array<{ le: number; count: number }> }>;
}

/**
 * Connections per service's pool. All services share one PostgreSQL server here: eight pools of 8
 * stay well inside PostgreSQL's default max_connections (100), with room for psql and migrations.
 */
const POOL_SIZE_PER_SERVICE = 8;

/** The services with a database of their own, `<prefix>_<service>` (tests create and drop them). */
export const SYSTEM_SERVICES = ['gateway', 'identity', 'totp', 'passcode', 'passkey', 'appkey', 'biometric', 'audit'] as const;

const databaseUrl = (serverUrl: string, name: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/**
 * Every app in one process: the embedded default (in-process transport) and the single-process
 * test rig (Kafka transport). Each service still has its own database, event store, outbox and
 * relay; only the HTTP hops between them become function calls.
 */
export const startSystem = async (options: SystemOptions): Promise<RunningSystem> => {
  const logger = options.logger ?? createLogger('identity-store');
  const prefix = options.databasePrefix ?? 'identity_store';
  const services = SYSTEM_SERVICES;
  const databases = Object.fromEntries(services.map((s) => [s, databaseUrl(options.postgresUrl, `${prefix}_${s}`)])) as Record<
    (typeof services)[number],
    string
  >;
  await Promise.all(Object.values(databases).map((url) => migrateDatabase(url)));
  const prisma = Object.fromEntries(services.map((s) => [s, createPrismaClient(databases[s], { poolSize: POOL_SIZE_PER_SERVICE })])) as Record<
    (typeof services)[number],
    PrismaClient
  >;

  const transport: MessageTransport =
    options.transport.kind === 'kafka'
      ? new KafkaTransport({ brokers: options.transport.brokers, clientId: 'identity-store' })
      : new InProcessTransport({
          onDeliveryError: (error, groupId, attempt) =>
            logger.warn({ err: error, groupId, attempt }, 'in-process delivery failed; retrying'),
        });
  const metrics = createMetricsRegistry();
  const secrets = new SecretBox(options.secretsKey);
  // Each database has this one process as its only writer: appends wake the relays in-process,
  // with no NOTIFY for other processes (and no relay listening for one).
  const local = { notifyRelays: false };
  const identityStore = new PostgresEventStore(prisma.identity, local);
  const totpStore = new PostgresEventStore(prisma.totp, local);
  const passcodeStore = new PostgresEventStore(prisma.passcode, local);
  const passkeyStore = new PostgresEventStore(prisma.passkey, local);
  const appkeyStore = new PostgresEventStore(prisma.appkey, local);
  const biometricStore = new PostgresEventStore(prisma.biometric, local);
  const storage = options.storage ?? storageSettings();
  const sessionSweeper = new SessionSweeper(storage.sessionSweep, logger.child({ component: 'session-sweeper' }));

  // The identity module answers lookups; the audit module needs them before identity exists.
  let identityQueries: IdentityQueries | undefined;
  const lazyIdentity: IdentityQueries = {
    getStoreByName: (name) => identityQueries!.getStoreByName(name),
    getUser: (storeId, ref) => identityQueries!.getUser(storeId, ref),
  };
  const audit = createAuditModule({
    prisma: prisma.audit,
    transport,
    identity: lazyIdentity,
    logger: logger.child({ service: 'audit' }),
    metrics,
    operationalEndpoints: false,
    waitTimeoutMs: options.consistencyTimeoutMs,
    // One process, one projector: it may serve summaries from memory (see SummaryCache).
    projector: { cacheSummaries: true, ...options.auditProjector },
  });
  const identity = createIdentityModule({
    eventStore: identityStore,
    summaries: audit.summaries,
    secrets,
    logger: logger.child({ service: 'identity' }),
    metrics,
    operationalEndpoints: false,
  });
  identityQueries = identity.service;
  const totp = createTotpModule({
    eventStore: totpStore,
    identity: identity.service,
    summaries: audit.summaries,
    secrets,
    logger: logger.child({ service: 'totp' }),
    metrics,
    operationalEndpoints: false,
  });
  const passcode = createPasscodeModule({
    eventStore: passcodeStore,
    identity: identity.service,
    summaries: audit.summaries,
    secrets,
    logger: logger.child({ service: 'passcode' }),
    metrics,
    operationalEndpoints: false,
    clock: options.clock,
    sessionSweeper,
  });
  const passkey = createPasskeyModule({
    eventStore: passkeyStore,
    identity: identity.service,
    summaries: audit.summaries,
    logger: logger.child({ service: 'passkey' }),
    metrics,
    operationalEndpoints: false,
    clock: options.clock,
    sessionSweeper,
  });

  const appkey = createAppkeyModule({
    eventStore: appkeyStore,
    identity: identity.service,
    summaries: audit.summaries,
    secrets,
    pushCredentials: identity.service,
    ...(options.pushSender ? { pushSender: options.pushSender } : {}),
    ...(options.publicBaseUrl ? { publicBaseUrl: options.publicBaseUrl } : {}),
    logger: logger.child({ service: 'appkey' }),
    metrics,
    operationalEndpoints: false,
    clock: options.clock,
    sessionSweeper,
  });

  const analyzer: FaceAnalyzer = createFaceAnalyzer(options.biometricThreads ? { threads: options.biometricThreads } : {});
  const biometric = createBiometricModule({
    eventStore: biometricStore,
    identity: identity.service,
    summaries: audit.summaries,
    secrets,
    analyzer,
    logger: logger.child({ service: 'biometric' }),
    metrics,
    operationalEndpoints: false,
    clock: options.clock,
  });

  const publishers = {
    identity: identityStore,
    totp: totpStore,
    passcode: passcodeStore,
    passkey: passkeyStore,
    appkey: appkeyStore,
    biometric: biometricStore,
  };
  if (transport instanceof InProcessTransport)
    for (const [log, store] of Object.entries(publishers)) transport.addReplaySource(outboxReplaySource(store.prisma, log));
  await audit.projector.start();

  // Each outbox is a log of its own (the in-process transport records per log how far the audit got).
  const relays = Object.entries(publishers).map(([log, store]) => startOutboxRelay(store, transport, logger, { log, listen: false }));
  sessionSweeper.start();
  // Kafka keeps the log: published rows are pruned. In-process, the published outbox IS the log
  // (replays after restarts and rebuilds), so it is kept.
  const retentions =
    transport instanceof InProcessTransport
      ? []
      : Object.values(publishers).map((store) =>
          startOutboxRetention(store.prisma, { retentionMs: storage.outboxRetentionMs }, logger),
        );

  const gateway = await createGatewayApp({
    databaseUrl: databases.gateway,
    prisma: prisma.gateway,
    logger: logger.child({ service: 'gateway' }),
    metrics,
    // Separate keys: SECRETS_KEY encrypts secrets at rest; the token key is JWT_SECRET or an HKDF
    // derivation of SECRETS_KEY (so a 16–31 character SECRETS_KEY works too).
    jwtSecret: options.jwtSecret,
    secretsKey: options.secretsKey,
    adminApiKey: options.adminApiKey,
    trustProxy: options.trustProxy,
    adminRouters: [audit.adminRouter],
    // In one process the services have no /readyz of their own: the face matcher's models are checked here.
    readiness: [{ name: 'face-matcher', check: () => analyzer.ready() }],
    targets: {
      identity: identity.app,
      totp: totp.app,
      passcode: passcode.app,
      passkey: passkey.app,
      appkey: appkey.app,
      biometric: biometric.app,
      audit: audit.app,
    },
    openApiDocument: buildOpenApiDocument,
  });

  const root = express();
  root.use(gateway.app);
  const server = await new Promise<Server>((resolve) => {
    const s = root.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  answerClientErrorsWithProblems(server);
  const { port } = server.address() as AddressInfo;
  const { adminPort } = options;
  const adminServer =
    adminPort === undefined
      ? undefined
      : await new Promise<Server>((resolve) => {
          const s = gateway.admin.listen(adminPort, '127.0.0.1', () => resolve(s));
        });

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    adminUrl: adminServer && `http://127.0.0.1:${(adminServer.address() as AddressInfo).port}`,
    transport,
    databases,
    eventStores: publishers,
    metrics,
    drainOutboxes: async () => {
      await Promise.all(relays.map((relay) => relay.drain()));
      // In-process, publish returns once the messages are queued for the consumers, not handled.
      if (transport instanceof InProcessTransport) await transport.idle();
    },
    sweepSessions: () => sessionSweeper.sweep(),
    pruneOutboxes: async () =>
      (await Promise.all(retentions.map((retention) => retention.runOnce()))).reduce((a, b) => a + b, 0),
    rebuildAudit: () => audit.projector.rebuild(),
    projectionLag: async () => {
      const { values } = await audit.projector.lag.get();
      const buckets = values
        .filter((v) => v.metricName === 'audit_projection_lag_seconds_bucket')
        .map((v) => ({ le: Number(v.labels.le), count: v.value }));
      const count = values.find((v) => v.metricName === 'audit_projection_lag_seconds_count')?.value ?? 0;
      return { count, buckets };
    },
    close: async ({ graceMs = 10_000 } = {}) => {
      // Stop accepting, let requests in flight finish (idle keep-alive sockets close at once), and
      // cut whatever is still open after the grace period.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A keep-alive socket whose request finishes after close() stays open until idle-closed.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(idle);
      clearTimeout(cut);
      await sessionSweeper.stop();
      await Promise.all(retentions.map((retention) => retention.stop()));
      if (adminServer) {
        const adminClosed = new Promise<void>((resolve) => adminServer.close(() => resolve()));
        adminServer.closeAllConnections();
        await adminClosed;
      }
      // The projector first: a relay held back by the in-process transport's backpressure (the
      // projector failing, e.g. its database away) is released when the consumer stops.
      await audit.projector.stop();
      await Promise.all(relays.map((relay) => relay.stop()));
      await gateway.close?.();
      await analyzer.close();
      await transport.close();
      await Promise.all(Object.values(prisma).map((client) => client.$disconnect()));
    },
  };
};
