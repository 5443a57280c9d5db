import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@identity-store/testing';
import { createPrismaClient, type PrismaClient, pruneOutbox, startOutboxRetention } from './index';

/**
 * Outbox retention on real PostgreSQL (review finding M8: "outbox rows are kept forever in Kafka
 * mode too"): published rows older than the retention go, in batches; unpublished rows never.
 */
describe('outbox retention on real PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prisma: PrismaClient;
  const DAY = 86_400_000;
  const now = new Date('2026-11-30T12:00:00.000Z');

  beforeAll(async () => {
    db = await createTestDatabase('outbox_retention');
    prisma = createPrismaClient(db.url, { poolSize: 10 });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });
  beforeEach(() => db.query('DELETE FROM outbox'));

  /** Outbox rows created `ageDays` ago, published `publishedDaysAgo` ago (null: not yet). */
  const rows = async (label: string, count: number, ageDays: number, publishedDaysAgo: number | null) => {
    for (let i = 0; i < count; i++)
      await db.query(
        `INSERT INTO outbox (event_id, topic, key, value, headers, created_at, published_at)
         VALUES ($1, 't', $2, '{}', '{}', $3, $4)`,
        [
          randomUUID(),
          label,
          new Date(now.getTime() - ageDays * DAY),
          publishedDaysAgo === null ? null : new Date(now.getTime() - publishedDaysAgo * DAY),
        ],
      );
  };
  const left = async () =>
    (
      await db.query<{ key: string; n: number }>(
        'SELECT key, count(*)::int AS n FROM outbox GROUP BY key ORDER BY key',
      )
    ).reduce((counts, { key, n }) => ({ ...counts, [key]: n }), {} as Record<string, number>);

  it('deletes only published rows older than the retention, batch after batch', async () => {
    await rows('old-published', 7, 30, 29);
    await rows('just-past', 1, 8, 7.01);
    await rows('recent-published', 3, 8, 6);
    await rows('old-unpublished', 4, 30, null);
    expect(await pruneOutbox(prisma, new Date(now.getTime() - 7 * DAY), 3)).toBe(8);
    expect(await left()).toEqual({ 'old-unpublished': 4, 'recent-published': 3 });
  });

  it('runs as a periodic job measured against its clock', async () => {
    await rows('old-published', 2, 30, 10);
    await rows('recent-published', 2, 30, 1);
    const errors: unknown[] = [];
    const job = startOutboxRetention(
      prisma,
      { retentionMs: 7 * DAY, intervalMs: 3_600_000, clock: () => now },
      { error: (details) => void errors.push(details) },
    );
    try {
      expect(await job.runOnce()).toBe(2);
    } finally {
      await job.stop();
    }
    expect(await left()).toEqual({ 'recent-published': 2 });
    expect(errors).toEqual([]);
  });

  it('instances pruning at once delete every row once, without waiting on each other or failing', async () => {
    await rows('old-published', 120, 30, 20);
    await rows('old-unpublished', 5, 30, null);
    const instances = [
      prisma,
      createPrismaClient(db.url, { poolSize: 4 }),
      createPrismaClient(db.url, { poolSize: 4 }),
    ];
    try {
      const deleted = await Promise.all(instances.map((client) => pruneOutbox(client, now, 7)));
      expect(deleted.reduce((a, b) => a + b, 0)).toBe(120);
    } finally {
      await Promise.all(instances.slice(1).map((client) => client.$disconnect()));
    }
    expect(await left()).toEqual({ 'old-unpublished': 5 });
  });
});
