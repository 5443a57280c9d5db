import { randomBytes } from 'node:crypto';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretBox } from '@identity-store/crypto';
import {
  createPrismaClient,
  PostgresEventStore,
  type PrismaClient,
  startOutboxRelay,
} from '@identity-store/event-store';
import {
  createLogger,
  createMetricsRegistry,
  type Express,
  generateGrantKeyPair,
  InternalTokenIssuer,
  internalTokenKey,
  parseGrantVerifyKey,
  type ServiceTrust,
} from '@identity-store/http-kit';
import { KafkaTransport } from '@identity-store/messaging';
import { HttpIdentityQueries, HttpPushCredentialQueries, HttpSummaryQueries } from '@identity-store/service-clients';
import { createTestDatabases, kafkaBrokers, uniqueName } from '@identity-store/testing';
import {
  createAppkeyModule,
  createAuditModule,
  createBiometricModule,
  createFaceAnalyzer,
  createGatewayApp,
  createIdentityModule,
  createPasscodeModule,
  createPasskeyModule,
  createTotpModule,
} from '../service-apps';
import { SYSTEM_SERVICES } from '../system';

export const DISTRIBUTED_SERVICES = ['identity', 'totp', 'passcode', 'passkey', 'appkey', 'biometric', 'audit'] as const;
export type DistributedService = (typeof DISTRIBUTED_SERVICES)[number];

export interface DistributedSystem {
  gatewayUrl: string;
  /** Each service's public listener and admin listener (both on 127.0.0.1). */
  services: Record<DistributedService, { url: string; adminUrl: string }>;
  /** The keys the layout runs with (tests mint grants and tokens with them, as an attacker could not). */
  keys: { signingKey: string; verifyKey: string; internalTokenKey: string };
  adminApiKey: string;
  /** The test databases, by service (assertions on what was stored). */
  databases: Record<(typeof SYSTEM_SERVICES)[number], string>;
  close(): Promise<void>;
}

export interface DistributedSystemOptions {
  label: string;
  /** Where the services ask for summaries (default: the audit service); e.g. a hanging stand-in. */
  summariesUrl?: (auditUrl: string) => string;
  /** The audit's read-your-writes bound (CONSISTENCY_WAIT_MS), default 10 000 ms. */
  consistencyWaitMs?: number;
}

const databaseUrl = (serverUrl: string, name: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

const openServer = async (): Promise<{ server: Server; url: string }> => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/**
 * The distributed layout in one test process, wired as the apps' main.ts wire it: every service its
 * own Express app on its own HTTP listener (and an admin listener), its own database, the real Kafka
 * broker between them, lookups over HTTP with service tokens, and the gateway proxying to the
 * services' URLs with signed grants.
 */
export const startDistributedSystem = async (options: DistributedSystemOptions): Promise<DistributedSystem> => {
  const prefix = uniqueName(options.label);
  const dbs = await createTestDatabases(prefix, [...SYSTEM_SERVICES]);
  const databases = Object.fromEntries(
    SYSTEM_SERVICES.map((service) => [service, databaseUrl(dbs.server, `${prefix}_${service}`)]),
  ) as DistributedSystem['databases'];
  const brokers = await kafkaBrokers();
  const logger = createLogger('distributed', 'silent');
  const grantKeys = generateGrantKeyPair();
  const internalKeyText = randomBytes(32).toString('hex');
  const trust: ServiceTrust = {
    gatewayVerifyKey: parseGrantVerifyKey(grantKeys.verifyKey),
    internalTokenKey: internalTokenKey(internalKeyText),
  };
  const consistencyWaitMs = options.consistencyWaitMs ?? 10_000;

  const servers = {} as Record<DistributedService, { server: Server; url: string }>;
  const admins = {} as Record<DistributedService, { server: Server; url: string }>;
  for (const service of DISTRIBUTED_SERVICES) {
    servers[service] = await openServer();
    admins[service] = await openServer();
  }
  const summariesUrl = options.summariesUrl?.(servers.audit.url) ?? servers.audit.url;
  const clientsOf = (service: string) => {
    const tokens = new InternalTokenIssuer(service, trust.internalTokenKey!);
    return {
      identity: new HttpIdentityQueries(servers.identity.url, { tokens }),
      summaries: new HttpSummaryQueries(summariesUrl, { tokens, waitTimeoutMs: consistencyWaitMs }),
    };
  };

  const clients: PrismaClient[] = [];
  const transports: KafkaTransport[] = [];
  const stops: Array<() => Promise<void>> = [];
  const infrastructure = (service: DistributedService) => {
    const prisma = createPrismaClient(databases[service], { poolSize: 5 });
    clients.push(prisma);
    const transport = new KafkaTransport({ brokers, clientId: `${prefix}-${service}` });
    transports.push(transport);
    const eventStore = new PostgresEventStore(prisma);
    if (service !== 'audit') {
      const relay = startOutboxRelay(eventStore, transport, logger);
      stops.push(() => relay.stop());
    }
    return { prisma, transport, eventStore };
  };
  const secrets = new SecretBox(randomBytes(32).toString('hex'));
  const serve = (service: DistributedService, apps: { app: Express; admin: Express }) => {
    servers[service].server.on('request', apps.app);
    admins[service].server.on('request', apps.admin);
  };

  const audit = infrastructure('audit');
  const auditModule = createAuditModule({
    prisma: audit.prisma,
    transport: audit.transport,
    identity: clientsOf('audit').identity,
    logger,
    metrics: createMetricsRegistry(),
    waitTimeoutMs: consistencyWaitMs,
    trust,
    projector: { consumerGroup: `${prefix}-audit`, fromBeginning: false },
  });
  await auditModule.projector.start();
  stops.push(() => auditModule.projector.stop());
  serve('audit', auditModule);

  serve('identity', createIdentityModule({ eventStore: infrastructure('identity').eventStore, summaries: clientsOf('identity').summaries, secrets, logger, trust }));
  serve('totp', createTotpModule({ eventStore: infrastructure('totp').eventStore, ...clientsOf('totp'), secrets, logger, trust }));
  serve('passcode', createPasscodeModule({ eventStore: infrastructure('passcode').eventStore, ...clientsOf('passcode'), secrets, logger, trust }));
  serve('passkey', createPasskeyModule({ eventStore: infrastructure('passkey').eventStore, ...clientsOf('passkey'), logger, trust }));
  const appkeyTokens = new InternalTokenIssuer('appkey', trust.internalTokenKey!);
  serve(
    'appkey',
    createAppkeyModule({
      eventStore: infrastructure('appkey').eventStore,
      ...clientsOf('appkey'),
      pushCredentials: new HttpPushCredentialQueries(servers.identity.url, { tokens: appkeyTokens }),
      secrets,
      logger,
      trust,
    }),
  );

  const analyzer = createFaceAnalyzer({ threads: 1 });
  stops.push(() => analyzer.close());
  serve('biometric', createBiometricModule({ eventStore: infrastructure('biometric').eventStore, ...clientsOf('biometric'), secrets, analyzer, logger, trust }));

  const adminApiKey = `isk_admin_${randomBytes(24).toString('base64url')}`;
  const gateway = await createGatewayApp({
    databaseUrl: databases.gateway,
    logger,
    jwtSecret: randomBytes(32).toString('hex'),
    grantSigningKey: grantKeys.signingKey,
    adminApiKey,
    targets: Object.fromEntries(DISTRIBUTED_SERVICES.map((service) => [service, servers[service].url])),
  });
  const gatewayServer = await openServer();
  gatewayServer.server.on('request', gateway.app);

  return {
    gatewayUrl: gatewayServer.url,
    services: Object.fromEntries(
      DISTRIBUTED_SERVICES.map((service) => [service, { url: servers[service].url, adminUrl: admins[service].url }]),
    ) as DistributedSystem['services'],
    keys: { ...grantKeys, internalTokenKey: internalKeyText },
    adminApiKey,
    databases,
    close: async () => {
      await closeServer(gatewayServer.server);
      await Promise.all(
        DISTRIBUTED_SERVICES.flatMap((service) => [closeServer(servers[service].server), closeServer(admins[service].server)]),
      );
      for (const stop of stops.reverse()) await stop();
      await gateway.close();
      await Promise.all(transports.map((transport) => transport.close()));
      await Promise.all(clients.map((client) => client.$disconnect()));
      await dbs.drop();
    },
  };
};
