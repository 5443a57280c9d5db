import { PeriodicJob } from './periodic-job';
import { type PrismaClient, sqlOf } from './prisma-client';

export interface OutboxRetentionOptions {
  /** Published rows are kept this long after publishing. */
  retentionMs: number;
  /** Rows deleted per statement (short transactions, no long locks). Default 1 000. */
  batchSize?: number;
  /** Default every 10 minutes. */
  intervalMs?: number;
  clock?: () => Date;
}

/**
 * Deletes outbox rows published before `publishedBefore`, `batchSize` per statement, until none is
 * left; returns how many. Unpublished rows are never touched. Instances pruning at once skip each
 * other's locked rows.
 */
export const pruneOutbox = async (
  prisma: PrismaClient,
  publishedBefore: Date,
  batchSize = 1_000,
): Promise<number> => {
  let total = 0;
  for (;;) {
    const { rowCount } = await sqlOf(prisma).query(
      `DELETE FROM outbox WHERE position IN (
         SELECT position FROM outbox WHERE published_at < $1
         ORDER BY published_at, position LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [publishedBefore, batchSize],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return total;
  }
};

/**
 * The outbox retention of a service whose transport keeps its own log (Kafka): published rows are
 * only the relay's bookkeeping and go after `retentionMs`. Not for the in-process transport, whose
 * replay source (rebuilds, restarts) is the published outbox itself.
 */
export const startOutboxRetention = (
  prisma: PrismaClient,
  options: OutboxRetentionOptions,
  logger: { error(object: object, message: string): void },
): PeriodicJob<number> => {
  const clock = options.clock ?? (() => new Date());
  return new PeriodicJob({
    intervalMs: options.intervalMs ?? 10 * 60_000,
    run: () => pruneOutbox(prisma, new Date(clock().getTime() - options.retentionMs), options.batchSize),
    onError: (error) => logger.error({ err: error }, 'outbox retention failed; retrying'),
  }).start();
};
