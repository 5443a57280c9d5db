import { createPrismaClient, type PrismaClient } from '@identity-store/event-store';
import { createTestDatabase } from '@identity-store/testing';
import { ProjectionProgress } from './consistency';

/** Read-your-writes (F7): the bounded wait for a projection, with a paused projector (nobody projects). */
describe('ProjectionProgress (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prisma: PrismaClient;
  const NEVER = 3_600_000; // no database polls while the test waits

  beforeAll(async () => {
    db = await createTestDatabase('consistency');
    prisma = createPrismaClient(db.url);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  it('wakes a waiter when the projection marks the position applied (not before)', async () => {
    const progress = new ProjectionProgress(prisma, 'projector');
    let settled: boolean | undefined;
    const waiting = progress.waitFor([{ streamId: 's-wake', streamVersion: 2 }], 60_000, NEVER).then((ok) => (settled = ok));
    progress.markApplied([{ streamId: 's-wake', streamVersion: 1 }]); // an earlier version: keeps waiting
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBeUndefined();
    progress.markApplied([{ streamId: 's-other', streamVersion: 5 }, { streamId: 's-wake', streamVersion: 2 }]);
    expect(await waiting).toBe(true);
    // Applied positions answer at once.
    expect(await progress.waitFor([{ streamId: 's-wake', streamVersion: 1 }], 0, NEVER)).toBe(true);
  });

  it('returns false when the position is not applied within the timeout', async () => {
    const progress = new ProjectionProgress(prisma, 'projector');
    progress.markApplied([{ streamId: 's-late', streamVersion: 1 }]);
    expect(await progress.waitFor([{ streamId: 's-late', streamVersion: 2 }], 150, 50)).toBe(false);
    expect(await progress.waitFor([{ streamId: 's-late', streamVersion: 1 }, { streamId: 's-never', streamVersion: 1 }], 150, 50)).toBe(false);
  });

  it("consults the consumer's checkpoints in the database (progress made by another instance)", async () => {
    const progress = new ProjectionProgress(prisma, 'projector');
    const waiting = progress.waitFor([{ streamId: 's-db', streamVersion: 3 }], 60_000, 50);
    // Another consumer's checkpoint does not count; this consumer's does.
    await prisma.streamCheckpoint.create({ data: { consumer: 'other-projector', streamId: 's-db', streamVersion: 9 } });
    await prisma.streamCheckpoint.create({ data: { consumer: 'projector', streamId: 's-db', streamVersion: 3 } });
    expect(await waiting).toBe(true);

    const other = new ProjectionProgress(prisma, 'projector');
    expect(await other.waitFor([{ streamId: 's-db', streamVersion: 4 }], 200, 50)).toBe(false);
  });
});
