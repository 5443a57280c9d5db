import { randomUUID } from 'node:crypto';
import { topics } from '@identity-store/contracts';
import {
  createPrismaClient,
  integrationMessage,
  OutboxRelay,
  PostgresEventStore,
  type PrismaClient,
} from '@identity-store/event-store';
import { createLogger } from '@identity-store/http-kit';
import { KafkaTransport } from '@identity-store/messaging';
import { createTestDatabase, kafkaBrokers } from '@identity-store/testing';
import { AuditProjector } from './audit-projector';

/**
 * The real path: TOTP events appended with their outbox rows → relay → Kafka → projector →
 * summaryInfo, against a real broker and real PostgreSQL.
 */
describe('audit projection over real Kafka', () => {
  const logger = createLogger('test', 'silent');
  let producerDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let auditDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let producerPrisma: PrismaClient;
  let auditPrisma: PrismaClient;
  let eventStore: PostgresEventStore;
  let brokers: string[];
  const transports: KafkaTransport[] = [];
  const newTransport = () => {
    const transport = new KafkaTransport({ brokers, clientId: `audit-test-${randomUUID()}` });
    transports.push(transport);
    return transport;
  };

  beforeAll(async () => {
    brokers = await kafkaBrokers();
    [producerDb, auditDb] = await Promise.all([createTestDatabase('audit_src'), createTestDatabase('audit')]);
    producerPrisma = createPrismaClient(producerDb.url);
    auditPrisma = createPrismaClient(auditDb.url);
    eventStore = new PostgresEventStore(producerPrisma);
  });
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close().catch(() => undefined)));
    await producerPrisma.$disconnect();
    await auditPrisma.$disconnect();
    await Promise.all([producerDb.drop(), auditDb.drop()]);
  });

  const appendTotp = async (userId: string, version: number, events: Array<{ type: string; data: Record<string, unknown> }>) => {
    const result = await eventStore.appendToStream(`totp-user-${userId}`, events, {
      expectedVersion: version,
      metadata: { correlationId: 'it' },
      toOutbox: (recorded) =>
        recorded.map((event, i) =>
          integrationMessage(event, topics.totp, { type: events[i]!.type, version: 1, data: events[i]!.data, storeId: 'store-1', userId }),
        ),
    });
    return result.events.at(-1)!;
  };

  const at = '2026-11-29T10:00:00.000Z';
  const registered = (credentialId: string) => [
    { type: 'TotpRegistrationStarted', data: { credentialId, policyName: 'p', algorithm: 'SHA1', digits: 6, period: 30, window: 1, createdDtm: at } },
    { type: 'TotpRegistrationCompleted', data: { credentialId, timeStep: 1, at } },
  ];
  const succeeded = (credentialId: string) => ({
    type: 'TotpAuthenticationSucceeded',
    data: { credentialId, authenticationId: randomUUID(), timeStep: 2, at },
  });

  it('projects outbox → topic → summaryInfo, skips redeliveries, and resumes from its checkpoint after a restart', async () => {
    const userId = randomUUID();
    const credentialId = randomUUID();
    // Suites share one broker: a consumer group of its own, or partitions would be split between them.
    const group = `audit-it-${randomUUID()}`;
    const projectorTransport = newTransport();
    const projector = new AuditProjector(auditPrisma, projectorTransport, logger, { consumerGroup: group, fromBeginning: false });
    await projector.start();
    const relay = new OutboxRelay(producerPrisma, newTransport());

    await appendTotp(userId, 0, registered(credentialId));
    const last = await appendTotp(userId, 2, [succeeded(credentialId), succeeded(credentialId)]);
    await relay.drain();
    expect(await projector.progress.waitFor([{ streamId: last.streamId, streamVersion: last.streamVersion }], 30_000)).toBe(true);
    let summary = await projector.summaryOf(userId);
    expect(summary.totps).toEqual({
      count: 1,
      items: [{ id: credentialId, status: 'ACTIVE', policyName: 'p', createdDtm: at, lastUsedDtm: at }],
    });
    expect(summary.lastAuthentication).toEqual({ type: 'Totp', result: 'SUCCESS', dtm: at });
    expect(await auditPrisma.document.count({ where: { collection: 'authentications', partition: userId } })).toBe(2);

    // Redelivery: the same messages arrive again (as after a crash before the offset commit).
    const again = await producerPrisma.outboxMessage.findMany({ where: { key: userId }, orderBy: { position: 'asc' } });
    await newTransport().publish(again.map(({ topic, key, value }) => ({ topic, key, value })));
    // A marker event behind the redelivered ones on the same partition tells when they were consumed.
    const marker = await appendTotp(userId, 4, [{ type: 'TotpAuthenticationFailed', data: { credentialId, authenticationId: randomUUID(), reason: 'INVALID_CODE', failedAttempts: 1, at } }]);
    await relay.drain();
    expect(await projector.progress.waitFor([{ streamId: marker.streamId, streamVersion: marker.streamVersion }], 30_000)).toBe(true);
    expect(await auditPrisma.document.count({ where: { collection: 'authentications', partition: userId } })).toBe(3);

    // Restart: a new projector (same consumer group) sees only what was appended while it was down.
    await projector.stop();
    const down = await appendTotp(userId, 5, [succeeded(credentialId)]);
    await relay.drain();
    const restarted = new AuditProjector(auditPrisma, newTransport(), logger, { consumerGroup: group, fromBeginning: false });
    const applied: string[] = [];
    const project = restarted.project.bind(restarted);
    restarted.project = async (messages) => {
      applied.push(...messages.map((m) => `${JSON.parse(m.value).streamVersion}`));
      return project(messages);
    };
    await restarted.start();
    expect(await restarted.progress.waitFor([{ streamId: down.streamId, streamVersion: down.streamVersion }], 30_000)).toBe(true);
    await restarted.stop();
    expect(applied).toEqual(['6']);
    summary = await restarted.summaryOf(userId);
    expect(summary.lastAuthentication?.result).toBe('SUCCESS');
    expect(await auditPrisma.document.count({ where: { collection: 'authentications', partition: userId } })).toBe(4);

    // Rebuild from the topics gives the same read model.
    const before = await restarted.summaryOf(userId);
    const rebuilder = new AuditProjector(auditPrisma, newTransport(), logger, { consumerGroup: group, fromBeginning: false });
    await rebuilder.rebuild();
    expect(await rebuilder.progress.waitFor([{ streamId: down.streamId, streamVersion: down.streamVersion }], 60_000)).toBe(true);
    await rebuilder.stop();
    expect(await rebuilder.summaryOf(userId)).toEqual(before);
    expect(await auditPrisma.document.count({ where: { collection: 'authentications', partition: userId } })).toBe(4);
  });
});
