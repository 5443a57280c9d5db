import { CommandHandler } from './command-handler';
import { ExpectedVersionConflictError, UniqueKeyTakenError } from './errors';
import type { EventStore } from './event-store';

/**
 * What every EventStore does, as Jest cases: `in-memory-event-store.unit.spec.ts` runs them on
 * InMemoryEventStore and `event-store-behaviour.int.spec.ts` on PostgresEventStore, so the fast
 * store of unit specs answers as the real one does. `fresh` gives a store whose streams the
 * cases may use (each case names its own streams and keys).
 */
export const eventStoreBehaviour = (fresh: () => EventStore<unknown>) => {
  type Counted = { type: 'Incremented'; data: { by: number } };
  const incremented = (by: number): Counted => ({ type: 'Incremented', data: { by } });
  const metadata = { correlationId: 'behaviour' };
  const counter = { initialState: () => 0, evolve: (total: number, e: Counted) => total + e.data.by };

  it('appends with an expected version and reads the stream back in order', async () => {
    const store = fresh();
    await store.appendToStream('b-1', [incremented(1), incremented(2)], { expectedVersion: 0, metadata });
    const next = await store.appendToStream('b-1', [incremented(3)], { expectedVersion: 2, metadata });
    expect(next.nextExpectedVersion).toBe(3);
    const events = await store.readStream<Counted>('b-1');
    expect(events.map((e) => [e.streamVersion, e.data.by])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(events[0]!.position < events[2]!.position).toBe(true);
    expect((await store.readStream<Counted>('b-1', 2)).map((e) => e.streamVersion)).toEqual([3]);
  });

  it('refuses an append whose expected version is stale, appending nothing', async () => {
    const store = fresh();
    await store.appendToStream('b-2', [incremented(1)], { expectedVersion: 0, metadata });
    await expect(
      store.appendToStream('b-2', [incremented(5), incremented(6)], { expectedVersion: 0, metadata }),
    ).rejects.toBeInstanceOf(ExpectedVersionConflictError);
    expect(await store.readStream('b-2')).toHaveLength(1);
  });

  it('claims a unique key for one stream only, and frees it on release', async () => {
    const store = fresh();
    const claim = { scope: 'b-name', key: 'acme' };
    await store.appendToStream('b-3a', [incremented(1)], {
      expectedVersion: 0,
      metadata,
      claimKeys: [claim],
    });
    expect(await store.streamHolding('b-name', 'acme')).toBe('b-3a');
    const taken = store.appendToStream('b-3b', [incremented(1)], {
      expectedVersion: 0,
      metadata,
      claimKeys: [claim],
    });
    await expect(taken).rejects.toBeInstanceOf(UniqueKeyTakenError);
    await expect(taken).rejects.toMatchObject({ scope: 'b-name', key: 'acme' });
    expect(await store.readStream('b-3b')).toEqual([]);
    // another stream cannot release it; its holder can
    await store.appendToStream('b-3b', [incremented(1)], {
      expectedVersion: 0,
      metadata,
      releaseKeys: [claim],
    });
    expect(await store.streamHolding('b-name', 'acme')).toBe('b-3a');
    await store.appendToStream('b-3a', [incremented(1)], {
      expectedVersion: 1,
      metadata,
      releaseKeys: [claim],
    });
    expect(await store.streamHolding('b-name', 'acme')).toBeNull();
    await store.appendToStream('b-3b', [incremented(1)], {
      expectedVersion: 1,
      metadata,
      claimKeys: [claim],
    });
    expect(await store.streamHolding('b-name', 'acme')).toBe('b-3b');
  });

  it('re-claims in one append a key it releases', async () => {
    const store = fresh();
    const claim = { scope: 'b-session', key: 's-1', expiresAt: '2026-01-01T00:00:00.000Z' };
    await store.appendToStream('b-4', [incremented(1)], { expectedVersion: 0, metadata, claimKeys: [claim] });
    const renewed = { ...claim, expiresAt: '2026-01-02T00:00:00.000Z' };
    await store.appendToStream('b-4', [incremented(1)], {
      expectedVersion: 1,
      metadata,
      releaseKeys: [claim],
      claimKeys: [renewed],
    });
    expect(await store.expiredKeys('b-session', new Date('2026-01-03T00:00:00.000Z'), 10)).toEqual([
      { key: 's-1', streamId: 'b-4', expiresAt: new Date('2026-01-02T00:00:00.000Z') },
    ]);
  });

  it('pages expired keys oldest first, after the last one of the previous page', async () => {
    const store = fresh();
    const at = (day: number) => `2026-02-0${day}T00:00:00.000Z`;
    await store.appendToStream('b-5', [incremented(1)], {
      expectedVersion: 0,
      metadata,
      claimKeys: [
        { scope: 'b-expiring', key: 'c', expiresAt: at(1) },
        { scope: 'b-expiring', key: 'a', expiresAt: at(2) },
        { scope: 'b-expiring', key: 'b', expiresAt: at(2) },
        { scope: 'b-expiring', key: 'late', expiresAt: at(9) },
        { scope: 'b-expiring', key: 'never' },
      ],
    });
    const now = new Date(at(3));
    const first = await store.expiredKeys('b-expiring', now, 2);
    expect(first.map((k) => k.key)).toEqual(['c', 'a']);
    expect((await store.expiredKeys('b-expiring', now, 2, first.at(-1))).map((k) => k.key)).toEqual(['b']);
  });

  it('runs inline changes with the events, and appends nothing when they fail', async () => {
    const store = fresh();
    const seen: number[] = [];
    await store.appendToStream('b-6', [incremented(7)], {
      expectedVersion: 0,
      metadata,
      inline: async (_tx, recorded) => void seen.push(...recorded.map((e) => e.streamVersion)),
    });
    expect(seen).toEqual([1]);
    await expect(
      store.appendToStream('b-6', [incremented(8)], {
        expectedVersion: 1,
        metadata,
        inline: async () => {
          throw new Error('read model refused');
        },
      }),
    ).rejects.toThrow('read model refused');
    expect(await store.readStream('b-6')).toHaveLength(1);
  });

  it('runs a command handler: decide, append, and decide again on a concurrent write', async () => {
    const store = fresh();
    const one = new CommandHandler(store, counter);
    const other = new CommandHandler(store, counter);
    await one.handle('b-7', () => [incremented(1)], { metadata });
    await other.handle('b-7', () => [incremented(10)], { metadata });
    let decisions = 0;
    // `one` has version 1 cached; it reads the newer event before deciding
    const result = await one.handle(
      'b-7',
      (total) => {
        decisions++;
        return total < 100 ? [incremented(100)] : [];
      },
      { metadata },
    );
    expect([result.state, result.version, decisions]).toEqual([111, 3, 1]);
    // a decision of nothing appends nothing
    expect((await one.handle('b-7', () => [], { metadata })).events).toEqual([]);
  });

  it('retries a decision on the fresh state when another writer appended in between', async () => {
    const store = fresh();
    let interfered = false;
    // Another writer appends between this handler's load and its append (once).
    const racing: EventStore<unknown> = {
      readStream: (streamId, after) => store.readStream(streamId, after),
      streamHolding: (scope, key) => store.streamHolding(scope, key),
      expiredKeys: (scope, now, limit, after) => store.expiredKeys(scope, now, limit, after),
      onAppended: (listener) => store.onAppended(listener),
      appendToStream: async (streamId, events, options) => {
        if (!interfered) {
          interfered = true;
          await store.appendToStream(streamId, [incremented(50)], {
            expectedVersion: options.expectedVersion,
            metadata,
          });
        }
        return store.appendToStream(streamId, events, options);
      },
    };
    const seen: number[] = [];
    const result = await new CommandHandler(racing, counter).handle(
      'b-9',
      (total) => {
        seen.push(total);
        return [incremented(1)];
      },
      { metadata },
    );
    expect(seen).toEqual([0, 50]);
    expect([result.state, result.version]).toEqual([51, 2]);
  });

  it('claims and releases the unique keys a command handler decision names', async () => {
    const store = fresh();
    const handler = new CommandHandler(store, counter);
    const keys = (total: number) => [{ scope: 'b-total', key: `b-8:${total}` }];
    const uniqueKeys = (decided: Counted[], before: number) => ({
      release: keys(before),
      claim: keys(decided.reduce(counter.evolve, before)),
    });
    await handler.handle('b-8', () => [incremented(2)], { metadata, uniqueKeys });
    await handler.handle('b-8', () => [incremented(3)], { metadata, uniqueKeys });
    expect(await store.streamHolding('b-total', 'b-8:2')).toBeNull();
    expect(await store.streamHolding('b-total', 'b-8:5')).toBe('b-8');
  });
};
