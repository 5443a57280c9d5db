import { createTestDatabase } from '@identity-store/testing';
import type { OutgoingMessage, Publisher } from '@identity-store/messaging';
import {
  CommandHandler,
  createPrismaClient,
  ExpectedVersionConflictError,
  OutboxRelay,
  PostgresEventStore,
  type PrismaClient,
  UniqueKeyTakenError,
} from './index';

type Counted = { type: 'Incremented'; data: { by: number } };
const incremented = (by: number): Counted => ({ type: 'Incremented', data: { by } });
const meta = { correlationId: 'test' };

describe('PostgresEventStore on real PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prisma: PrismaClient;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('event_store');
    prisma = createPrismaClient(db.url, { poolSize: 20 });
    store = new PostgresEventStore(prisma);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  it('appends with an expected version and reads the stream back in order', async () => {
    await store.appendToStream('s-1', [incremented(1), incremented(2)], {
      expectedVersion: 0,
      metadata: meta,
    });
    const next = await store.appendToStream('s-1', [incremented(3)], { expectedVersion: 2, metadata: meta });
    expect(next.nextExpectedVersion).toBe(3);
    const events = await store.readStream('s-1');
    expect(events.map((e) => [e.streamVersion, e.data])).toEqual([
      [1, { by: 1 }],
      [2, { by: 2 }],
      [3, { by: 3 }],
    ]);
    expect(events[0]!.position < events[2]!.position).toBe(true);
  });

  it('rejects a stale expected version and changes nothing', async () => {
    await store.appendToStream('s-2', [incremented(1)], { expectedVersion: 0, metadata: meta });
    await expect(
      store.appendToStream('s-2', [incremented(9)], {
        expectedVersion: 0,
        metadata: meta,
        toOutbox: (r) => r.map((e) => ({ eventId: e.id, topic: 't', key: 'k', value: '{}' })),
      }),
    ).rejects.toBeInstanceOf(ExpectedVersionConflictError);
    expect((await store.readStream('s-2')).map((e) => e.data)).toEqual([{ by: 1 }]);
    expect(await prisma.outboxMessage.count({ where: { topic: 't' } })).toBe(0);
  });

  it('lets exactly one of many concurrent writers win each version (no lost update)', async () => {
    const writers = 20;
    const results = await Promise.allSettled(
      Array.from({ length: writers }, (_, i) =>
        store.appendToStream('s-race', [incremented(i)], { expectedVersion: 0, metadata: meta }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(writers - 1);
    for (const r of lost)
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ExpectedVersionConflictError);
    expect(await store.readStream('s-race')).toHaveLength(1);
  });

  it('serialises concurrent decisions through the repository: every increment counted once', async () => {
    const repo = new CommandHandler<number, Counted>(
      store,
      {
        initialState: () => 0,
        evolve: (sum, e) => sum + e.data.by,
      },
      { maxRetries: 50 },
    );
    // Separate repositories (as separate instances would be) racing on one stream.
    const others = Array.from(
      { length: 4 },
      () =>
        new CommandHandler<number, Counted>(
          store,
          {
            initialState: () => 0,
            evolve: (sum, e) => sum + e.data.by,
          },
          { maxRetries: 50 },
        ),
    );
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 5 === 0 ? repo : others[i % 4]!).handle('s-counter', () => [incremented(1)], { metadata: meta }),
      ),
    );
    const events = await store.readStream('s-counter');
    expect(events.map((e) => e.streamVersion)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await repo.load('s-counter')).state).toBe(40);
  });

  it('claims unique keys atomically with the events', async () => {
    await store.appendToStream('store-a', [incremented(1)], {
      expectedVersion: 0,
      metadata: meta,
      claimKeys: [{ scope: 'name', key: 'acme' }],
    });
    await expect(
      store.appendToStream('store-b', [incremented(1)], {
        expectedVersion: 0,
        metadata: meta,
        claimKeys: [{ scope: 'name', key: 'acme' }],
      }),
    ).rejects.toBeInstanceOf(UniqueKeyTakenError);
    expect(await store.readStream('store-b')).toHaveLength(0);
  });

  it('names the taken key among several claims, releases keys with the events, and changes nothing on failure', async () => {
    const claim = (streamId: string, keys: string[], expectedVersion = 0, release: string[] = []) =>
      store.appendToStream(streamId, [incremented(1)], {
        expectedVersion,
        metadata: meta,
        claimKeys: keys.map((key) => ({ scope: 'session', key })),
        releaseKeys: release.map((key) => ({ scope: 'session', key })),
        toOutbox: (r) => r.map((e) => ({ eventId: e.id, topic: 'keys-topic', key: streamId, value: '{}' })),
      });
    await claim('owner-1', ['k-1']);
    const taken = await claim('owner-2', ['k-2', 'k-1']).catch((error: unknown) => error);
    expect(taken).toBeInstanceOf(UniqueKeyTakenError);
    expect((taken as UniqueKeyTakenError).key).toBe('k-1');
    expect(await store.readStream('owner-2')).toHaveLength(0);
    expect(await prisma.uniqueKey.count({ where: { scope: 'session', key: 'k-2' } })).toBe(0);
    expect(await prisma.outboxMessage.count({ where: { topic: 'keys-topic', key: 'owner-2' } })).toBe(0);
    // Releasing k-1 with the next append of its owner frees it for the other stream.
    await claim('owner-1', [], 1, ['k-1']);
    await claim('owner-2', ['k-1']);
    expect(
      (await prisma.uniqueKey.findUnique({ where: { scope_key: { scope: 'session', key: 'k-1' } } }))
        ?.streamId,
    ).toBe('owner-2');
  });

  it('still reports a stale expected version as a conflict when the append also claims keys', async () => {
    await store.appendToStream('keyed', [incremented(1)], {
      expectedVersion: 0,
      metadata: meta,
      claimKeys: [{ scope: 'kv', key: 'a' }],
    });
    await expect(
      store.appendToStream('keyed', [incremented(1)], {
        expectedVersion: 0,
        metadata: meta,
        claimKeys: [{ scope: 'kv', key: 'b' }],
      }),
    ).rejects.toBeInstanceOf(ExpectedVersionConflictError);
    expect(await prisma.uniqueKey.count({ where: { scope: 'kv', key: 'b' } })).toBe(0);
  });

  it('keeps outbox rows across a crash between commit and publish, and publishes them after restart', async () => {
    const outbox = (r: { id: string; streamVersion: number }[]) =>
      r.map((e) => ({
        eventId: e.id,
        topic: 'crash-topic',
        key: 'user-1',
        value: JSON.stringify({ v: e.streamVersion }),
      }));
    await store.appendToStream('s-outbox', [incremented(1), incremented(2)], {
      expectedVersion: 0,
      metadata: meta,
      toOutbox: outbox,
    });

    // First relay: the broker accepts nothing (the process "dies" mid-publish).
    const failing: Publisher = { publish: async () => Promise.reject(new Error('broker down')) };
    await expect(new OutboxRelay(prisma, failing).drain()).rejects.toThrow('broker down');
    expect(await prisma.outboxMessage.count({ where: { topic: 'crash-topic', publishedAt: null } })).toBe(2);

    // A fresh client (a restarted process) with a working transport publishes them, in order, once.
    const restarted = createPrismaClient(db.url);
    const published: OutgoingMessage[] = [];
    const relay = new OutboxRelay(restarted, { publish: async (m) => void published.push(...m) });
    await relay.drain();
    await relay.drain();
    await restarted.$disconnect();
    expect(published.filter((m) => m.topic === 'crash-topic').map((m) => JSON.parse(m.value))).toEqual([
      { v: 1 },
      { v: 2 },
    ]);
    expect(await prisma.outboxMessage.count({ where: { topic: 'crash-topic', publishedAt: null } })).toBe(0);
  });
});
