import { createTestDatabase } from '@identity-store/testing';
import {
  CommandHandler,
  createPrismaClient,
  type Evolver,
  PostgresEventStore,
  type PrismaClient,
  SnapshotStore,
} from './index';

/**
 * Snapshots of the aggregate repository on real PostgreSQL (review finding M8: "a cold aggregate
 * replay grows with history"), with a small aggregate: a tally of named counters.
 */

type Tally = { total: number; counters: Record<string, number>; last: string | null };
type Counted = { type: 'Counted'; data: { name: string; by: number } };
const counted = (name: string, by = 1): Counted => ({ type: 'Counted', data: { name, by } });
const meta = { correlationId: 'snapshots' };

const tally = (version = 1): Evolver<Tally, Counted> => ({
  initialState: () => ({ total: 0, counters: {}, last: null }),
  evolve: (state, { data }) => ({
    total: state.total + data.by,
    counters: { ...state.counters, [data.name]: (state.counters[data.name] ?? 0) + data.by },
    last: data.name,
  }),
  snapshot: {
    version,
    parse: (stored) => {
      const state = stored as Tally;
      if (typeof state?.total !== 'number' || typeof state.counters !== 'object')
        throw new Error('not a tally');
      return state;
    },
  },
});

describe('aggregate snapshots on real PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prisma: PrismaClient;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('snapshots');
    prisma = createPrismaClient(db.url, { poolSize: 10 });
    store = new PostgresEventStore(prisma);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  const snapshotRow = async (streamId: string) =>
    (
      await db.query<{ version: number; schema_version: number; state: Tally }>(
        'SELECT version, schema_version, state FROM snapshots WHERE stream_id = $1',
        [streamId],
      )
    )[0];
  /** A repository as a fresh instance has it (nothing cached), and the versions it read events after. */
  const coldRepository = (evolver = tally(), options = {}) => {
    const eventStore = new PostgresEventStore(prisma);
    const readFrom: number[] = [];
    const readStream = eventStore.readStream.bind(eventStore);
    eventStore.readStream = (streamId, after) => {
      readFrom.push(after ?? 0);
      return readStream(streamId, after);
    };
    return { repository: new CommandHandler(eventStore, evolver, options), readFrom };
  };
  const fullFold = async (streamId: string) => {
    const { initialState, evolve } = tally();
    return (await store.readStream<Counted>(streamId)).reduce(evolve, initialState());
  };
  /** Appends `count` events through a repository, `perDecision` a decision. */
  const grow = async (
    repository: CommandHandler<Tally, Counted>,
    streamId: string,
    count: number,
    perDecision = 10,
  ) => {
    for (let done = 0; done < count; done += perDecision)
      await repository.handle(
        streamId,
        () =>
          Array.from({ length: Math.min(perDecision, count - done) }, (_, i) =>
            counted(`c${(done + i) % 7}`, i + 1),
          ),
        { metadata: meta },
      );
  };

  it('a stream of 1,000 events loads from its snapshot and the events after it: the same state as a full fold', async () => {
    const writer = new CommandHandler(store, tally());
    await grow(writer, 'tally-1', 1_000);
    expect(await snapshotRow('tally-1')).toMatchObject({ version: 1_000, schema_version: 1 });
    await grow(writer, 'tally-1', 37, 1);

    const { repository, readFrom } = coldRepository();
    const loaded = await repository.load('tally-1');
    expect(readFrom).toEqual([1_000]);
    expect(loaded).toEqual({ version: 1_037, state: await fullFold('tally-1') });
    expect(loaded.state).toStrictEqual(await fullFold('tally-1'));
  });

  it('writes a snapshot once the stream grew the configured number of events past the last one', async () => {
    const writer = new CommandHandler(store, tally(), { snapshotEvery: 10 });
    await grow(writer, 'tally-2', 9, 1);
    expect(await snapshotRow('tally-2')).toBeUndefined();
    await grow(writer, 'tally-2', 1, 1);
    expect(await snapshotRow('tally-2')).toMatchObject({ version: 10 });
    await grow(writer, 'tally-2', 9, 1);
    expect(await snapshotRow('tally-2')).toMatchObject({ version: 10 });
    await grow(writer, 'tally-2', 5, 5);
    expect((await snapshotRow('tally-2'))!.state).toStrictEqual(await fullFold('tally-2'));
    expect(await snapshotRow('tally-2')).toMatchObject({ version: 24 });

    // A cold load that finds the stream due writes the snapshot too; 0 turns snapshots off.
    await store.appendToStream(
      'tally-3',
      Array.from({ length: 12 }, () => counted('x')),
      { expectedVersion: 0, metadata: meta },
    );
    await coldRepository(tally(), { snapshotEvery: 0 }).repository.load('tally-3');
    expect(await snapshotRow('tally-3')).toBeUndefined();
    await coldRepository(tally(), { snapshotEvery: 10 }).repository.load('tally-3');
    expect(await snapshotRow('tally-3')).toMatchObject({ version: 12 });
  });

  it('ignores a snapshot that does not parse or was written by another snapshot version: folds from the start', async () => {
    await grow(new CommandHandler(store, tally()), 'tally-4', 150);
    const expected = await fullFold('tally-4');

    await db.query(`UPDATE snapshots SET state = '{"total": "lots"}' WHERE stream_id = $1`, ['tally-4']);
    const warnings: string[] = [];
    const logger = { warn: (_: object, message: string) => void warnings.push(message) };
    const corrupted = coldRepository(tally(), { logger });
    expect((await corrupted.repository.load('tally-4')).state).toStrictEqual(expected);
    expect(corrupted.readFrom).toEqual([0]);
    expect(warnings).toEqual(['ignoring a snapshot that does not parse']);
    // …and, the stream being due, replaced it with a good one.
    expect(await snapshotRow('tally-4')).toMatchObject({ version: 150, state: expected });

    // Code whose evolver says snapshot version 2 does not trust version 1's.
    const newer = coldRepository(tally(2));
    expect((await newer.repository.load('tally-4')).state).toStrictEqual(expected);
    expect(newer.readFrom).toEqual([0]);
    expect(await snapshotRow('tally-4')).toMatchObject({ version: 150, schema_version: 2 });
    const again = coldRepository(tally(2));
    await again.repository.load('tally-4');
    expect(again.readFrom).toEqual([150]);
  });

  it('instances writing at once keep the newest snapshot', async () => {
    const snapshots = new SnapshotStore(prisma);
    await Promise.all([
      snapshots.write('tally-5', 300, 1, { total: 300 }),
      snapshots.write('tally-5', 100, 1, { total: 100 }),
      snapshots.write('tally-5', 200, 1, { total: 200 }),
    ]);
    await snapshots.write('tally-5', 250, 1, { total: 250 });
    expect(await snapshots.read('tally-5', 1)).toEqual({ version: 300, state: { total: 300 } });
    expect(await snapshots.read('tally-5', 2)).toBeNull();
  });

  it('never fails a command over a snapshot: a state that is not plain JSON, a write that fails', async () => {
    const warnings: object[] = [];
    const logger = { warn: (details: object) => void warnings.push(details) };
    const dated: Evolver<{ at: Date | null }, Counted> = {
      initialState: () => ({ at: null }),
      evolve: () => ({ at: new Date() }),
      snapshot: { version: 1 },
    };
    const repository = new CommandHandler(store, dated, { snapshotEvery: 2, logger });
    const result = await repository.handle('dated-1', () => [counted('a'), counted('b')], { metadata: meta });
    expect(result.version).toBe(2);
    expect(await snapshotRow('dated-1')).toBeUndefined();
    expect(warnings).toEqual([{ streamId: 'dated-1', mismatch: '$.at is a Date' }]);

    const failing = new CommandHandler(store, tally(), { snapshotEvery: 2, logger });
    const broken = new SnapshotStore(prisma);
    broken.write = () => Promise.reject(new Error('disk full'));
    (failing as unknown as { snapshots: SnapshotStore }).snapshots = broken;
    await expect(
      failing.handle('tally-6', () => [counted('a'), counted('b')], { metadata: meta }),
    ).resolves.toMatchObject({
      version: 2,
    });
    expect(warnings.at(-1)).toMatchObject({ streamId: 'tally-6', err: new Error('disk full') });
  });
});
