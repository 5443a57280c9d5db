import { randomUUID } from 'node:crypto';
import {
  createPrismaClient,
  integrationMessage,
  OutboxRelay,
  PostgresEventStore,
  type PrismaClient,
} from '@identity-store/event-store';
import { summaryInfoAt } from '@identity-store/contracts';
import { createLogger } from '@identity-store/http-kit';
import { type IncomingMessage, KafkaTransport, type KafkaTransportOptions } from '@identity-store/messaging';
import { createTestDatabase, deleteTopics, kafkaBrokers } from '@identity-store/testing';
import { Registry } from 'prom-client';
import request from 'supertest';
import { AuditProjector, AUTHENTICATIONS } from './audit-projector';
import { deadLetterTopic, topicsWithPrefix } from './domain/incoming-events';
import { createAuditModule } from './index';

/**
 * The real path: TOTP events appended with their outbox rows → relay → Kafka → projector →
 * summaryInfo, against a real broker and real PostgreSQL. Each test has topics of its own (a topic
 * prefix), so a rebuild replays only what the test published, not the shared broker's history.
 */
describe('audit projection over real Kafka', () => {
  const logger = createLogger('test', 'silent');
  const databases: Array<Awaited<ReturnType<typeof createTestDatabase>>> = [];
  const clients: PrismaClient[] = [];
  let producerPrisma: PrismaClient;
  let eventStore: PostgresEventStore;
  let relay: OutboxRelay;
  let brokers: string[];
  const transports: KafkaTransport[] = [];
  const prefixes: string[] = [];
  const newTransport = (options: Partial<KafkaTransportOptions> = {}) => {
    const transport = new KafkaTransport({ brokers, clientId: `audit-test-${randomUUID()}`, ...options });
    transports.push(transport);
    return transport;
  };
  const newPrefix = () => {
    const prefix = `it-audit-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return prefix;
  };
  const newAuditDatabase = async () => {
    const db = await createTestDatabase('audit');
    databases.push(db);
    const client = createPrismaClient(db.url);
    clients.push(client);
    return { db, prisma: client };
  };

  beforeAll(async () => {
    brokers = await kafkaBrokers();
    const producerDb = await createTestDatabase('audit_src');
    databases.push(producerDb);
    producerPrisma = createPrismaClient(producerDb.url);
    clients.push(producerPrisma);
    eventStore = new PostgresEventStore(producerPrisma);
    relay = new OutboxRelay(producerPrisma, newTransport());
  });
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close().catch(() => undefined)));
    await Promise.all(clients.map((client) => client.$disconnect()));
    await Promise.all(databases.map((db) => db.drop()));
    await deleteTopics(
      brokers,
      prefixes.flatMap((prefix) => [...Object.values(topicsWithPrefix(prefix)), deadLetterTopic(prefix)]),
    );
  });

  type Appended = Array<{ type: string; data: Record<string, unknown> }>;
  const appendTotp = async (prefix: string, userId: string, version: number, events: Appended) => {
    const result = await eventStore.appendToStream(`totp-user-${userId}`, events, {
      expectedVersion: version,
      metadata: { correlationId: 'it' },
      toOutbox: (recorded) =>
        recorded.map((event, i) =>
          integrationMessage(event, topicsWithPrefix(prefix).totp, {
            type: events[i]!.type,
            version: 1,
            data: events[i]!.data,
            storeId: 'store-1',
            userId,
          }),
        ),
    });
    return result.events.at(-1)!;
  };
  const positionOf = (event: { streamId: string; streamVersion: number }) => [
    { streamId: event.streamId, streamVersion: event.streamVersion },
  ];

  const at = '2026-11-29T10:00:00.000Z';
  const later = '2026-11-29T11:00:00.000Z';
  const registered = (credentialId: string) => [
    { type: 'TotpRegistrationStarted', data: { credentialId, policyName: 'p', algorithm: 'SHA1', digits: 6, period: 30, window: 1, createdDtm: at } },
    { type: 'TotpRegistrationCompleted', data: { credentialId, timeStep: 1, at } },
  ];
  const succeeded = (credentialId: string, authenticationId: string = randomUUID(), when = at) => ({
    type: 'TotpAuthenticationSucceeded',
    data: { credentialId, authenticationId, timeStep: 2, at: when },
  });
  const failed = (credentialId: string, authenticationId: string = randomUUID()) => ({
    type: 'TotpAuthenticationFailed',
    data: { credentialId, authenticationId, reason: 'INVALID_CODE', failedAttempts: 1, at },
  });

  /** Reads a topic from the start until `until` holds (the messages read so far). */
  const readTopic = async (topic: string, until: (messages: IncomingMessage[]) => boolean) => {
    const seen: IncomingMessage[] = [];
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const subscription = await newTransport().subscribe({
      groupId: `audit-it-reader-${randomUUID()}`,
      topics: [topic],
      fromBeginning: true,
      handle: async (messages) => {
        seen.push(...messages);
        if (until(seen)) done();
      },
    });
    await finished;
    await subscription.stop();
    return seen;
  };

  it('projects outbox → topic → summaryInfo, skips redelivered older events, resumes after a restart and rebuilds from its own topics', async () => {
    const prefix = newPrefix();
    const { prisma: auditPrisma } = await newAuditDatabase();
    const userId = randomUUID();
    const credentialId = randomUUID();
    // Suites share one broker: a consumer group of its own, or partitions would be split between them.
    const group = `audit-it-${randomUUID()}`;
    // The topics are this test's own: a new group reads them from the start, so nothing published
    // while the group is still joining (a busy broker) can fall before its first position.
    const projector = new AuditProjector(auditPrisma, newTransport(), logger, { consumerGroup: group, fromBeginning: true, topicPrefix: prefix });
    await projector.start();

    await appendTotp(prefix, userId, 0, registered(credentialId));
    const last = await appendTotp(prefix, userId, 2, [succeeded(credentialId), succeeded(credentialId)]);
    await relay.drain();
    expect(await projector.progress.waitFor(positionOf(last), 30_000)).toBe(true);
    let summary = await projector.summaryOf(userId);
    expect(summary.totps).toEqual({
      count: 1,
      items: [{ id: credentialId, status: 'ACTIVE', policyName: 'p', createdDtm: at, lastUsedDtm: at, lockedUntil: null }],
    });
    expect(summary.lastAuthentication).toEqual({ type: 'Totp', result: 'SUCCESS', dtm: at });
    expect(await auditPrisma.document.count({ where: { collection: 'authentications', partition: userId } })).toBe(2);

    // The state moves on: the credential is locked.
    const locked = await appendTotp(prefix, userId, 4, [
      { type: 'TotpLocked', data: { credentialId, lockedUntil: later, at: later } },
    ]);
    await relay.drain();
    expect(await projector.progress.waitFor(positionOf(locked), 30_000)).toBe(true);
    const lockedSummary = await projector.summaryOf(userId);
    // The projection keeps the stored status and the lock's end; readers derive LOCKED from it
    // (summaryInfoAt), so a lock that ran out is not shown forever.
    expect(lockedSummary.totps.items[0]).toMatchObject({ status: 'ACTIVE', lockedUntil: later });
    expect(summaryInfoAt(lockedSummary, new Date(Date.parse(later) - 1)).totps.items[0]!.status).toBe('LOCKED');

    // Redelivery of OLDER events (as after a crash before the offset commit): re-applied, the
    // Started would reset the item to PENDING and the Succeeded set it ACTIVE again; skipped,
    // nothing changes.
    const again = await producerPrisma.outboxMessage.findMany({ where: { key: userId }, orderBy: { position: 'asc' } });
    await newTransport().publish(again.slice(0, 3).map(({ topic, key, value }) => ({ topic, key, value })));
    // A marker event behind the redelivered ones on the same partition tells when they were consumed.
    const marker = await appendTotp(prefix, userId, 5, [failed(credentialId)]);
    await relay.drain();
    expect(await projector.progress.waitFor(positionOf(marker), 30_000)).toBe(true);
    summary = await projector.summaryOf(userId);
    expect(summary.totps).toEqual(lockedSummary.totps);
    expect(summary.lastAuthentication).toEqual({ type: 'Totp', result: 'FAILURE', dtm: at });
    expect(
      await auditPrisma.streamCheckpoint.findMany({ where: { streamId: `totp-user-${userId}` }, select: { consumer: true, streamVersion: true } }),
    ).toEqual([{ consumer: 'audit-projector', streamVersion: 6 }]);
    const audits = await auditPrisma.document.findMany({ where: { collection: 'authentications', partition: userId } });
    expect(audits.map((audit) => audit.version)).toEqual([1, 1, 1]); // written once each, never again

    // Restart: a new projector (same consumer group) sees only what was appended while it was down.
    await projector.stop();
    const down = await appendTotp(prefix, userId, 6, [succeeded(credentialId, randomUUID(), later)]);
    await relay.drain();
    const restarted = new AuditProjector(auditPrisma, newTransport(), logger, { consumerGroup: group, fromBeginning: false, topicPrefix: prefix });
    const applied: string[] = [];
    const project = restarted.project.bind(restarted);
    restarted.project = async (messages) => {
      applied.push(...messages.map((m) => `${JSON.parse(m.value).streamVersion}`));
      return project(messages);
    };
    await restarted.start();
    expect(await restarted.progress.waitFor(positionOf(down), 30_000)).toBe(true);
    await restarted.stop();
    expect(applied).toEqual(['7']);
    summary = await restarted.summaryOf(userId);
    expect(summary.lastAuthentication).toEqual({ type: 'Totp', result: 'SUCCESS', dtm: later });
    expect(await auditPrisma.document.count({ where: { collection: 'authentications', partition: userId } })).toBe(4);

    // Rebuild from the (test's own) topics gives the same read model.
    const before = await restarted.summaryOf(userId);
    const rebuilder = new AuditProjector(auditPrisma, newTransport(), logger, { consumerGroup: group, fromBeginning: false, topicPrefix: prefix });
    await rebuilder.rebuild();
    expect(await rebuilder.progress.waitFor(positionOf(down), 60_000)).toBe(true);
    await rebuilder.stop();
    expect(await rebuilder.summaryOf(userId)).toEqual(before);
    expect(await auditPrisma.document.count({ where: { collection: 'authentications', partition: userId } })).toBe(4);
  });

  it('H2: poison and forged messages go to the dead-letter topic with their reason and origin; the partition moves on and audits stay as recorded', async () => {
    const prefix = newPrefix();
    const { prisma: auditPrisma } = await newAuditDatabase();
    const metrics = new Registry();
    const projector = new AuditProjector(auditPrisma, newTransport(), logger, {
      consumerGroup: `audit-it-${randomUUID()}`,
      fromBeginning: true, // the test's own topics (see above)
      topicPrefix: prefix,
      metrics,
    });
    await projector.start();
    const userId = randomUUID();
    const credentialId = randomUUID();
    const authenticationId = randomUUID();
    await appendTotp(prefix, userId, 0, registered(credentialId));
    const recorded = await appendTotp(prefix, userId, 2, [succeeded(credentialId, authenticationId)]);
    await relay.drain();
    expect(await projector.progress.waitFor(positionOf(recorded), 30_000)).toBe(true);
    const original = await auditPrisma.document.findUniqueOrThrow({
      where: { collection_id: { collection: AUTHENTICATIONS, id: authenticationId } },
    });

    // An attacker who can write to the topic, on the user's partition (key = user id).
    const topic = topicsWithPrefix(prefix).totp;
    const envelope = (streamVersion: number, type: string, data: Record<string, unknown>) =>
      JSON.stringify({
        id: randomUUID(),
        type,
        version: 1,
        storeId: 'store-1',
        userId,
        streamId: `totp-user-${userId}`,
        streamVersion,
        occurredAt: at,
        correlationId: 'forged',
        data,
      });
    await newTransport().publish([
      { topic, key: userId, value: 'not-json' },
      // Schema-violating: no credentialId.
      { topic, key: userId, value: envelope(4, 'TotpAuthenticationSucceeded', { authenticationId: randomUUID(), timeStep: 3, at }) },
      // Forged: a failure under the existing authentication's id (would overwrite the audit record).
      { topic, key: userId, value: envelope(4, 'TotpAuthenticationFailed', failed(credentialId, authenticationId).data) },
    ]);
    // Then a valid event on the same partition.
    const valid = await appendTotp(prefix, userId, 3, [succeeded(credentialId, randomUUID(), later)]);
    await relay.drain();
    expect(await projector.progress.waitFor(positionOf(valid), 30_000)).toBe(true);

    const summary = await projector.summaryOf(userId);
    expect(summary.lastAuthentication).toEqual({ type: 'Totp', result: 'SUCCESS', dtm: later });
    const after = await auditPrisma.document.findUniqueOrThrow({
      where: { collection_id: { collection: AUTHENTICATIONS, id: authenticationId } },
    });
    expect(after.data).toEqual(original.data);
    expect(after.version).toBe(1);
    expect(await auditPrisma.document.count({ where: { collection: AUTHENTICATIONS, partition: userId } })).toBe(2);

    const dlq = await readTopic(deadLetterTopic(prefix), (seen) => seen.length >= 3);
    expect(
      dlq.map((m) => ({
        key: m.key,
        reason: m.headers?.['dlq-reason'],
        topic: m.headers?.['dlq-original-topic'],
        key2: m.headers?.['dlq-original-key'],
      })),
    ).toEqual([
      { key: userId, reason: 'NOT_JSON', topic, key2: userId },
      { key: userId, reason: 'INVALID_DATA', topic, key2: userId },
      { key: userId, reason: 'DUPLICATE_AUDIT_ID', topic, key2: userId },
    ]);
    expect(dlq[0]!.value).toBe('not-json');
    expect(dlq[1]!.headers?.['dlq-detail']).toContain('data.credentialId');
    const offsets = dlq.map((m) => BigInt(m.headers!['dlq-original-offset']!));
    expect(offsets[1]).toBe(offsets[0]! + 1n);
    expect(offsets[2]).toBe(offsets[1]! + 1n);
    expect(new Set(dlq.map((m) => m.headers?.['dlq-original-partition'])).size).toBe(1);
    const counted = await metrics.getSingleMetric('audit_projection_dead_letters_total')!.get();
    expect(Object.fromEntries(counted.values.map((v) => [v.labels.reason, v.value]))).toEqual({
      NOT_JSON: 1,
      INVALID_DATA: 1,
      DUPLICATE_AUDIT_ID: 1,
    });
    await projector.stop();
  });

  it('M3: a projector fed version 2 before version 1 parks 2 and applies both, in order, once 1 arrives', async () => {
    const prefix = newPrefix();
    const { prisma: auditPrisma } = await newAuditDatabase();
    const metrics = new Registry();
    const projector = new AuditProjector(auditPrisma, newTransport(), logger, {
      consumerGroup: `audit-it-${randomUUID()}`,
      fromBeginning: true,
      topicPrefix: prefix,
      metrics,
    });
    await projector.start();
    const userId = randomUUID();
    const credentialId = randomUUID();
    const second = await appendTotp(prefix, userId, 0, registered(credentialId));
    const rows = await producerPrisma.outboxMessage.findMany({ where: { key: userId }, orderBy: { position: 'asc' } });
    await producerPrisma.outboxMessage.updateMany({ where: { key: userId }, data: { publishedAt: new Date() } });
    const publisher = newTransport();
    const [v1, v2] = rows.map(({ topic, key, value }) => ({ topic, key, value }));

    await publisher.publish([v2!]); // Completed before Started
    const parkedEvents = async () => auditPrisma.parkedEvent.findMany({ select: { streamId: true, streamVersion: true } });
    for (let tries = 0; (await parkedEvents()).length === 0; tries++) {
      expect(tries).toBeLessThan(300);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await parkedEvents()).toEqual([{ streamId: second.streamId, streamVersion: 2 }]);
    expect(await auditPrisma.streamCheckpoint.count({ where: { streamId: second.streamId } })).toBe(0);
    expect(await projector.summaryOf(userId)).toEqual(expect.objectContaining({ totps: { count: 0, items: [] } }));
    expect((await metrics.getSingleMetric('audit_projection_parked_events')!.get()).values[0]!.value).toBe(1);

    await publisher.publish([v1!]);
    expect(await projector.progress.waitFor(positionOf(second), 30_000)).toBe(true);
    expect((await projector.summaryOf(userId)).totps).toEqual({
      count: 1,
      items: [{ id: credentialId, status: 'ACTIVE', policyName: 'p', createdDtm: at, lastUsedDtm: null, lockedUntil: null }],
    });
    expect(await auditPrisma.streamCheckpoint.findMany({ where: { streamId: second.streamId }, select: { streamVersion: true } })).toEqual([
      { streamVersion: 2 },
    ]);
    expect(await parkedEvents()).toEqual([]);
    const outcomes = await metrics.getSingleMetric('audit_projection_events_total')!.get();
    expect(Object.fromEntries(outcomes.values.map((v) => [v.labels.outcome, v.value]))).toEqual({ parked: 1, applied: 2 });
    await projector.stop();
  });

  it('L8: readiness reports a consumer that crashed for good, and events parked too long', async () => {
    const prefix = newPrefix();
    const identity = { getStoreByName: async () => null, getUser: async () => null };
    const silent = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

    // The broker refuses the consumer's session timeout (below group.min.session.timeout.ms): a
    // non-retriable error, after which kafkajs stops the consumer for good.
    const crashedDb = await newAuditDatabase();
    const crashed = createAuditModule({
      prisma: crashedDb.prisma,
      transport: newTransport({ sessionTimeout: 3_000, heartbeatInterval: 500, logLevel: 'nothing', logger: silent }),
      identity,
      logger,
      projector: { consumerGroup: `audit-it-${randomUUID()}`, fromBeginning: false, topicPrefix: prefix },
    });
    await crashed.projector.start();
    const down = await request(crashed.app).get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body.checks.database).toBe('UP');
    expect(down.body.checks.projection).toBe('DOWN');
    // The cause is on the admin listener only (L6: public readiness names no cause).
    const cause = await request(crashed.admin).get('/readyz');
    expect(cause.body.checks.projection).toMatch(/^DOWN: consumer crashed: .*session timeout/);
    await crashed.projector.stop();

    // A healthy consumer is ready until an event waits longer than allowed for its predecessor.
    const healthyDb = await newAuditDatabase();
    const healthy = createAuditModule({
      prisma: healthyDb.prisma,
      transport: newTransport(),
      identity,
      logger,
      projector: { consumerGroup: `audit-it-${randomUUID()}`, fromBeginning: true, topicPrefix: prefix, parkedAlertMs: 0 },
    });
    await healthy.projector.start();
    expect((await request(healthy.app).get('/readyz')).body).toEqual({ status: 'UP', checks: { database: 'UP', projection: 'UP' } });
    const userId = randomUUID();
    await healthy.projector.project([
      {
        topic: topicsWithPrefix(prefix).totp,
        partition: 0,
        offset: '0',
        key: userId,
        value: JSON.stringify({
          id: randomUUID(),
          type: 'TotpRegistrationCompleted',
          version: 1,
          storeId: 'store-1',
          userId,
          streamId: `totp-user-${userId}`,
          streamVersion: 2,
          occurredAt: at,
          correlationId: 'it',
          data: { credentialId: randomUUID(), timeStep: 1, at },
        }),
      },
    ]);
    const stuck = await request(healthy.app).get('/readyz');
    expect(stuck.status).toBe(503);
    expect(stuck.body.checks.projection).toBe('DOWN');
    expect((await request(healthy.admin).get('/readyz')).body.checks.projection).toMatch(
      /^DOWN: 1 event\(s\) waiting longer than 0 s/,
    );
    await healthy.projector.stop();
  });
});
