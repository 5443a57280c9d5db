import type { OutgoingMessage, Publisher } from '@identity-store/messaging';
import { createTestDatabase } from '@identity-store/testing';
import { createPrismaClient, OutboxRelay, PostgresEventStore, type PrismaClient, sqlOf } from './index';

/**
 * Several instances of a service on one database (real PostgreSQL): an append in one wakes the
 * outbox relay of another through LISTEN/NOTIFY. The relays' poll is an hour here, so only the
 * notification can wake them within the test's time.
 */
describe('outbox relays woken across processes by NOTIFY (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const clients: PrismaClient[] = [];
  const relays: OutboxRelay[] = [];
  const instance = () => {
    const client = createPrismaClient(db.url, { poolSize: 4 });
    clients.push(client);
    return { prisma: client, store: new PostgresEventStore(client) };
  };
  /** A publisher that resolves `next()` with each batch it is given. */
  const recorder = () => {
    const batches: OutgoingMessage[][] = [];
    const waiting: Array<(batch: OutgoingMessage[]) => void> = [];
    const publisher: Publisher = {
      publish: async (messages) => {
        const take = waiting.shift();
        if (take) take(messages);
        else batches.push(messages);
      },
    };
    const next = () => new Promise<OutgoingMessage[]>((resolve) => (batches.length ? resolve(batches.shift()!) : waiting.push(resolve)));
    return { publisher, next };
  };
  /** The backend pids LISTENing on the database (their last statement was the LISTEN). */
  const listeners = async (prisma: PrismaClient) =>
    (
      await sqlOf(prisma).query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'",
      )
    ).rows.map((row) => row.pid);
  const listening = async (prisma: PrismaClient, except: number[] = []) => {
    for (let i = 0; i < 500; i++) {
      const pids = (await listeners(prisma)).filter((pid) => !except.includes(pid));
      if (pids.length) return pids;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('no relay LISTENs on the database');
  };
  let version = 0;
  const append = (store: PostgresEventStore, value: string) =>
    store.appendToStream('notified', [{ type: 'Counted', data: { value } }], {
      expectedVersion: version++,
      metadata: { correlationId: 'notify' },
      toOutbox: (recorded) => recorded.map((event) => ({ eventId: event.id, topic: 't', key: 'k', value })),
    });

  beforeAll(async () => {
    db = await createTestDatabase('outbox_notify');
  });
  afterAll(async () => {
    await Promise.all(relays.map((relay) => relay.stop()));
    await Promise.all(clients.map((client) => client.$disconnect()));
    await db.drop();
  });

  it("an append in one instance wakes another instance's relay; after its connection is cut, the relay listens again", async () => {
    const writer = instance(); // its own relay is not running: only the other one can publish
    const other = instance();
    const published = recorder();
    const errors: unknown[] = [];
    const relay = new OutboxRelay(other.prisma, published.publisher, { listen: true, idleMs: 3_600_000, onError: (e) => errors.push(e) });
    relays.push(relay);
    relay.start();
    const [pid] = await listening(writer.prisma);

    await append(writer.store, 'first');
    expect((await published.next()).map((m) => m.value)).toEqual(['first']);

    // An administrator (or a failover) cuts the listening connection: the relay reconnects.
    await sqlOf(writer.prisma).query('SELECT pg_terminate_backend($1)', [pid]);
    await listening(writer.prisma, [pid!]);
    await append(writer.store, 'second');
    expect((await published.next()).map((m) => m.value)).toEqual(['second']);
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });
});
