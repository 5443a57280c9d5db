import { createTestDatabase } from '@identity-store/testing';
import {
  CheckpointConflictError,
  createPrismaClient,
  inSqlTransaction,
  parkedEventStats,
  type PrismaClient,
  readStreamState,
  sequenceStreamEvents,
  type SqlClient,
  sqlOf,
  type StreamVersionRef,
  writeStreamState,
} from './index';

type E = StreamVersionRef & { payload: string };
const e = (streamId: string, streamVersion: number): E => ({ streamId, streamVersion, payload: `${streamId}@${streamVersion}` });

describe('stream checkpoints and parked events on real PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase('checkpoints');
    prisma = createPrismaClient(db.url);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  /** A consumer's whole cycle for one batch, as a projection runs it. */
  const handleIn = async (sql: SqlClient, consumer: string, batch: E[]) => {
    const state = await readStreamState<E, unknown>(sql, consumer, [...new Set(batch.map((x) => x.streamId))]);
    const result = sequenceStreamEvents(batch, { applied: state.applied, parked: state.parked.map((p) => p.event) }, () => true);
    await writeStreamState(sql, consumer, result);
    return result;
  };
  const handle = (consumer: string, batch: E[]) => inSqlTransaction(prisma, (sql) => handleIn(sql, consumer, batch));
  const checkpoints = async (consumer: string) =>
    (await prisma.streamCheckpoint.findMany({ where: { consumer }, orderBy: { streamId: 'asc' } })).map((r) => [r.streamId, r.streamVersion]);
  const parked = async (consumer: string) =>
    (await prisma.parkedEvent.findMany({ where: { consumer }, orderBy: [{ streamId: 'asc' }, { streamVersion: 'asc' }] })).map((r) => [
      r.streamId,
      r.streamVersion,
      r.event,
    ]);

  it('applies a stream version once per consumer: what was applied before, or repeats in the batch, are skipped', async () => {
    await handle('batch-projector', [e('s-a', 1), e('s-a', 2)]);
    const batch = [e('s-a', 2), e('s-a', 3), e('s-b', 1), e('s-a', 3), e('s-b', 2)];
    const first = await handle('batch-projector', batch);
    expect(first.applied).toEqual([batch[1], batch[2], batch[4]]);
    const again = await handle('batch-projector', batch);
    expect(again.applied).toEqual([]);
    expect(again.duplicates).toEqual(batch);
    expect(await checkpoints('batch-projector')).toEqual([
      ['s-a', 3],
      ['s-b', 2],
    ]);
    // Another consumer has checkpoints of its own.
    expect((await handle('other-projector', [e('s-a', 1)])).applied).toEqual([e('s-a', 1)]);
  });

  it('parks a version after a gap, with the event, until the gap fills; then applies both in order', async () => {
    const early = await handle('gap-projector', [e('s-gap', 2)]);
    expect(early.applied).toEqual([]);
    expect(await checkpoints('gap-projector')).toEqual([]);
    expect(await parked('gap-projector')).toEqual([['s-gap', 2, e('s-gap', 2)]]);
    expect((await inSqlTransaction(prisma, (sql) => parkedEventStats(sql, 'gap-projector'))).count).toBe(1);

    const filled = await handle('gap-projector', [e('s-gap', 1)]);
    expect(filled.applied).toEqual([e('s-gap', 1), e('s-gap', 2)]);
    expect(await checkpoints('gap-projector')).toEqual([['s-gap', 2]]);
    expect(await parked('gap-projector')).toEqual([]);

    // The older version delivered again after the stream moved on: nothing changes.
    const redelivered = await handle('gap-projector', [e('s-gap', 1)]);
    expect(redelivered.applied).toEqual([]);
    expect(await checkpoints('gap-projector')).toEqual([['s-gap', 2]]);
  });

  it('two instances handling the same stream at once: the second transaction conflicts and applies nothing', async () => {
    await handle('race-projector', [e('s-race', 1)]);
    for (const [streamId, from] of [['s-race', 1], ['s-new', 0]] as const) {
      const a = await sqlOf(prisma).connect();
      const b = await sqlOf(prisma).connect();
      try {
        await a.query('BEGIN');
        await b.query('BEGIN');
        const next = [e(streamId, from + 1)];
        const stateA = await readStreamState<E, unknown>(a, 'race-projector', [streamId]);
        const stateB = await readStreamState<E, unknown>(b, 'race-projector', [streamId]);
        const resultA = sequenceStreamEvents(next, { applied: stateA.applied, parked: [] }, () => true);
        const resultB = sequenceStreamEvents(next, { applied: stateB.applied, parked: [] }, () => true);
        expect(resultA.applied).toEqual(next);
        expect(resultB.applied).toEqual(next);
        await writeStreamState(a, 'race-projector', resultA);
        const second = writeStreamState(b, 'race-projector', resultB); // waits for a's row lock
        await a.query('COMMIT');
        await expect(second).rejects.toBeInstanceOf(CheckpointConflictError);
        await b.query('ROLLBACK');
      } finally {
        a.release();
        b.release();
      }
    }
    expect(await checkpoints('race-projector')).toEqual([
      ['s-new', 1],
      ['s-race', 2],
    ]);
  });
});
