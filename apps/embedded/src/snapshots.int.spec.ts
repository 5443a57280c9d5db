import type { StoredEvent } from '@identity-store/contracts';
import {
  CommandHandler,
  createPrismaClient,
  type Evolver,
  PostgresEventStore,
  type PrismaClient,
} from '@identity-store/event-store';
import { createTestDatabase } from '@identity-store/testing';
import fc from 'fast-check';
import { aggregateFamilies } from './testing/aggregate-families';

/**
 * Every snapshotted aggregate family on real PostgreSQL: a stream of 1,000 generated events (and a
 * tail after its last snapshot) loads from the snapshot with exactly the state of a full fold of
 * what the database holds; a corrupted snapshot, or one of another snapshot version, is ignored.
 */
describe.each(aggregateFamilies.filter((family) => family.snapshot))(
  'the $name aggregate loads from snapshots',
  (family) => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let prisma: PrismaClient;
    let store: PostgresEventStore;
    const streamId = `${family.name}-snapshotted`;
    const evolver = (version = family.snapshot!.version): Evolver<unknown, StoredEvent> => ({
      initialState: family.initialState,
      evolve: family.evolve,
      snapshot: { ...family.snapshot!, version },
    });
    const fullFold = async () =>
      (await store.readStream(streamId)).reduce(family.evolve, family.initialState());
    /** A cold repository (a fresh instance) and the versions it read the stream after. */
    const coldLoad = async (version?: number) => {
      const eventStore = new PostgresEventStore(prisma);
      const readFrom: number[] = [];
      const readStream = eventStore.readStream.bind(eventStore);
      eventStore.readStream = (id, after) => {
        readFrom.push(after ?? 0);
        return readStream(id, after);
      };
      const loaded = await new CommandHandler(eventStore, evolver(version)).load(streamId);
      return { ...loaded, readFrom };
    };

    beforeAll(async () => {
      db = await createTestDatabase(`snap_${family.name}`);
      prisma = createPrismaClient(db.url, { poolSize: 4 });
      store = new PostgresEventStore(prisma);
    });
    afterAll(async () => {
      await prisma.$disconnect();
      await db.drop();
    });

    it('1,000 events appended 10 at a time, then a tail: snapshot + tail == full fold', async () => {
      const events = fc.sample(family.event, { numRuns: 1_037, seed: 1_000 });
      const writer = new CommandHandler(store, evolver());
      for (let at = 0; at < events.length; at += 10)
        await writer.handle(streamId, () => events.slice(at, at + 10), {
          metadata: { correlationId: 'snapshots' },
        });
      const [row] = await db.query<{ version: number }>(
        'SELECT version FROM snapshots WHERE stream_id = $1',
        [streamId],
      );
      expect(row!.version).toBe(1_000);

      const loaded = await coldLoad();
      expect(loaded.readFrom).toEqual([1_000]);
      expect(loaded.version).toBe(1_037);
      expect(loaded.state).toStrictEqual(await fullFold());
    });

    it('ignores a corrupted snapshot and one of another snapshot version', async () => {
      const expected = await fullFold();
      await db.query(`UPDATE snapshots SET state = '{"corrupted": true}' WHERE stream_id = $1`, [streamId]);
      const afterCorruption = await coldLoad();
      expect(afterCorruption.readFrom).toEqual([0]);
      expect(afterCorruption.state).toStrictEqual(expected);

      const older = family.snapshot!.version - 1;
      await db.query('UPDATE snapshots SET schema_version = $2 WHERE stream_id = $1', [streamId, older]);
      const afterUpgrade = await coldLoad();
      expect(afterUpgrade.readFrom).toEqual([0]);
      expect(afterUpgrade.state).toStrictEqual(expected);
    });
  },
);
