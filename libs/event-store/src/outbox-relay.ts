import type { OutgoingMessage, Publisher } from '@identity-store/messaging';
import { inSqlTransaction, type PrismaClient } from './prisma-client';

export interface OutboxRelayOptions {
  batchSize?: number;
  /** Poll interval when idle; appends in this process wake the relay at once. */
  idleMs?: number;
  onError?: (error: unknown) => void;
}

/** An outbox row as node-postgres returns it (bigint as text). */
type OutboxRow = {
  position: string;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
};

/**
 * Moves committed outbox rows to the transport: lock and mark a batch, publish it, commit.
 * A crash between publish and commit publishes the batch again after restart (at-least-once); the
 * consumers' stream checkpoints make the repeat harmless. Rows are kept (with publishedAt) so the
 * embedded transport can replay topics from the start.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pending = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly publisher: Publisher,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Signals that new rows were committed. */
  notify(): void {
    this.pending = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Publishes everything pending now; returns how many messages it published. */
  async drain(): Promise<number> {
    let total = 0;
    for (let n = await this.publishBatch(); n > 0; n = await this.publishBatch()) total += n;
    return total;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.pending = false;
      try {
        const published = await this.drain();
        failures = 0;
        if (published > 0 || this.pending) continue;
      } catch (error) {
        failures++;
        this.options.onError?.(error);
      }
      const delay = failures ? Math.min(5_000, 100 * 2 ** failures) : (this.options.idleMs ?? 250);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private publishBatch(): Promise<number> {
    const limit = this.options.batchSize ?? 500;
    return inSqlTransaction(this.prisma, async (sql) => {
      // Claim and mark the batch in one statement; the mark only commits if publishing succeeds
      // (a failure rolls it back and the rows are tried again).
      const { rows } = await sql.query<OutboxRow>(
        `UPDATE outbox SET published_at = now()
         WHERE position IN (
           SELECT position FROM outbox WHERE published_at IS NULL
           ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING position, topic, key, value, headers`,
        [limit],
      );
      if (rows.length === 0) return 0;
      // RETURNING has no order: publish in append order.
      rows.sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1));
      await this.publisher.publish(
        rows.map(({ topic, key, value, headers }) => ({ topic, key, value, headers })),
      );
      return rows.length;
    });
  }
}

/** Published outbox rows of some topics in append order: the embedded transport's replay source. */
export const readPublishedOutbox = async (
  prisma: PrismaClient,
  topics: string[],
  afterPosition: bigint,
  limit = 1000,
): Promise<Array<OutgoingMessage & { position: bigint }>> => {
  const rows = await prisma.outboxMessage.findMany({
    where: { topic: { in: topics }, publishedAt: { not: null }, position: { gt: afterPosition } },
    orderBy: { position: 'asc' },
    take: limit,
  });
  return rows.map(({ position, topic, key, value, headers }) => ({
    position,
    topic,
    key,
    value,
    headers: headers as Record<string, string>,
  }));
};

/**
 * The relay of one service's event store, started and woken by every append that wrote outbox
 * rows. What every service that publishes events runs, embedded or distributed.
 */
export const startOutboxRelay = (
  eventStore: { prisma: PrismaClient; onAppended(listener: () => void): void },
  publisher: Publisher,
  logger: { error(object: object, message: string): void },
): OutboxRelay => {
  const relay = new OutboxRelay(eventStore.prisma, publisher, {
    onError: (error) => logger.error({ err: error }, 'outbox relay failed; retrying'),
  });
  eventStore.onAppended(() => relay.notify());
  relay.start();
  return relay;
};
