import { type IncomingMessage, InProcessTransport } from '@identity-store/messaging';
import { createTestDatabase } from '@identity-store/testing';
import { createPrismaClient, OutboxRelay, outboxReplaySource, PostgresEventStore, type PrismaClient } from './index';

/**
 * L11 on real PostgreSQL: the embedded transport's consumer groups keep their position in each
 * service's outbox (outbox_offsets), so a restart replays only what came after, not all history.
 */
describe('outbox as the in-process transport log (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prisma: PrismaClient;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('outbox_replay');
    prisma = createPrismaClient(db.url);
    store = new PostgresEventStore(prisma);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  let version = 0;
  const append = async () => {
    version++;
    await store.appendToStream('s-replay', [{ type: 'Counted', data: { version } }], {
      expectedVersion: version - 1,
      metadata: { correlationId: 'replay' },
      toOutbox: (recorded) => recorded.map((event) => ({ eventId: event.id, topic: 'replay-topic', key: 'k', value: `v${event.streamVersion}` })),
    });
  };
  const embedded = () => {
    const transport = new InProcessTransport({ commitIntervalMs: 60_000 });
    transport.addReplaySource(outboxReplaySource(prisma, 'svc'));
    return { transport, relay: new OutboxRelay(prisma, transport, { log: 'svc' }) };
  };
  const subscribe = (transport: InProcessTransport, handled: string[]) =>
    transport.subscribe({
      groupId: 'audit',
      topics: ['replay-topic'],
      fromBeginning: true,
      handle: async (messages: IncomingMessage[]) => void handled.push(...messages.map((m) => m.value)),
    });

  it('replays from the position the group committed; the commit covers live deliveries too', async () => {
    const first = embedded();
    await append();
    await append();
    await first.relay.drain(); // published before the consumer subscribed
    const handled: string[] = [];
    const subscription = await subscribe(first.transport, handled);
    expect(handled).toEqual(['v1', 'v2']);
    await append();
    await first.relay.drain(); // live
    await first.transport.idle(); // publish returns once queued; this waits for the handling
    expect(handled).toEqual(['v1', 'v2', 'v3']);
    await subscription.stop();
    const [third] = await prisma.outboxMessage.findMany({ where: { value: 'v3' } });
    expect(await prisma.outboxOffset.findMany({ select: { groupId: true, position: true } })).toEqual([
      { groupId: 'audit', position: third!.position },
    ]);

    await append(); // while the process is down: committed, not yet published

    const restarted = embedded();
    const again: string[] = [];
    await subscribe(restarted.transport, again);
    expect(again).toEqual(['v4']);
    await restarted.relay.drain(); // the relay publishes v4 now: a duplicate the consumer skips
    await restarted.transport.idle();
    expect(again).toEqual(['v4', 'v4']);
    await restarted.transport.close();
    expect((await prisma.outboxOffset.findUniqueOrThrow({ where: { groupId: 'audit' } })).position).toBeGreaterThan(third!.position);
  });
});
