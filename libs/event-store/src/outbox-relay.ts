import type { OutgoingMessage, Publisher, ReplaySource } from '@identity-store/messaging';
import pg from 'pg';
import { OUTBOX_CHANNEL } from './postgres-event-store';
import { inSqlTransaction, type PrismaClient, sqlOf } from './prisma-client';

export interface OutboxRelayOptions {
  batchSize?: number;
  /**
   * Names this outbox as a log: published messages then carry their `logPosition`, with which
   * the in-process transport records how far each consumer group has handled it.
   */
  log?: string;
  /** Poll interval when idle; appends in this process wake the relay at once. */
  idleMs?: number;
  /**
   * LISTEN for the appends' notifications on a connection of its own, so appends in other
   * processes wake the relay at once too; while that connection is up, the poll is only a safety
   * net (every `LISTENING_POLL_MS` at least), and while it is down (reconnecting) it is `idleMs`.
   */
  listen?: boolean;
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
 * Key of the transaction-scoped advisory lock that makes the relays of one database publish one
 * at a time (PostgreSQL advisory locks are per database; the value only has to be distinct from
 * other advisory locks taken there, e.g. Prisma Migrate's 72707369).
 */
export const OUTBOX_RELAY_LOCK = 4_242_000_001n;

/** The relay's poll interval while it listens for notifications (a safety net). */
export const LISTENING_POLL_MS = 5_000;

/**
 * Moves committed outbox rows to the transport: lock and mark a batch, publish it, commit.
 * A crash between publish and commit publishes the batch again after restart (at-least-once); the
 * consumers' stream checkpoints make the repeat harmless. Rows are kept (with publishedAt) so the
 * embedded transport can replay topics from the start.
 *
 * Order: one publisher per database at a time (an advisory lock held for the batch's transaction),
 * claiming rows in position order, so the versions of a stream reach the topic in order however
 * many service instances, relays and `drain()` calls run. (With SKIP LOCKED batches, a second
 * relay could publish version n+1 while the first still held version n.) Rows of one stream are
 * committed in version order, since each append reads the one before.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pending = false;
  private listening?: Promise<void>;
  private listener?: pg.Client;
  private wakeListener?: () => void;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly publisher: Publisher,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    if (this.options.listen) this.listening = this.listen();
  }

  /** Signals that new rows were committed. */
  notify(): void {
    this.pending = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    this.wakeListener?.();
    await this.listener?.end().catch(() => undefined);
    await Promise.all([this.loop, this.listening]);
  }

  /**
   * Publishes everything pending now; returns how many messages it published. A batch short of
   * the limit took every row committed when it was claimed: no further (empty) claim needed.
   */
  async drain(): Promise<number> {
    const limit = this.options.batchSize ?? 500;
    let total = 0;
    for (let n = limit; n === limit; total += n) n = await this.publishBatch();
    return total;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.pending = false;
      try {
        await this.drain();
        failures = 0;
        if (this.pending) continue; // rows committed while it drained
      } catch (error) {
        failures++;
        this.options.onError?.(error);
      }
      if (!this.running) break; // stop() came during the drain: nothing is left to wake this sleep
      const idleMs = this.options.idleMs ?? 250;
      const delay = failures ? Math.min(5_000, 100 * 2 ** failures) : this.listener ? Math.max(idleMs, LISTENING_POLL_MS) : idleMs;
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

  /** Keeps a connection LISTENing on the outbox channel while running; reconnects after it is lost. */
  private async listen(): Promise<void> {
    for (let failures = 0; this.running; failures++) {
      const client = new pg.Client(sqlOf(this.prisma).options);
      const lost = new Promise<unknown>((resolve) => {
        client.on('error', resolve);
        client.on('end', () => resolve(new Error('listening connection closed')));
      });
      client.on('notification', () => this.notify());
      try {
        await client.connect();
        await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
        this.listener = client;
        failures = 0;
        this.notify(); // rows committed while nobody listened
        if (!this.running) break; // stopped while connecting: stop() saw no listener to end
        const error = await lost;
        if (this.running) this.options.onError?.(error);
      } catch (error) {
        if (this.running) this.options.onError?.(error);
      } finally {
        this.listener = undefined;
        await client.end().catch(() => undefined);
      }
      if (!this.running) break;
      this.wake?.(); // back to polling at idleMs meanwhile
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures));
        this.wakeListener = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeListener = undefined;
    }
  }

  private publishBatch(): Promise<number> {
    const limit = this.options.batchSize ?? 500;
    const { log } = this.options;
    return inSqlTransaction(this.prisma, async (sql) => {
      // Waits while another relay of this database publishes; released at commit or rollback.
      await sql.query('SELECT pg_advisory_xact_lock($1)', [OUTBOX_RELAY_LOCK.toString()]);
      // Claim and mark the batch in one statement; the mark only commits if publishing succeeds
      // (a failure rolls it back and the rows are tried again).
      const { rows } = await sql.query<OutboxRow>(
        `UPDATE outbox SET published_at = now()
         WHERE position IN (
           SELECT position FROM outbox WHERE published_at IS NULL
           ORDER BY position LIMIT $1 FOR UPDATE)
         RETURNING position, topic, key, value, headers`,
        [limit],
      );
      if (rows.length === 0) return 0;
      // RETURNING has no order: publish in append order.
      rows.sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1));
      await this.publisher.publish(
        rows.map(({ position, topic, key, value, headers }) => ({
          topic,
          key,
          value,
          headers,
          ...(log ? { logPosition: { log, position: BigInt(position) } } : {}),
        })),
      );
      return rows.length;
    });
  }
}

/** Published outbox rows of some topics in append order (what consumers were given). */
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
 * A service's outbox as a log the in-process transport replays: every committed row (published or
 * not: a row whose publishing is still in flight must not fall between replay and live delivery;
 * one seen twice is a duplicate the consumer skips), and the consumer groups' positions in it
 * (table `outbox_offsets`).
 */
export const outboxReplaySource = (prisma: PrismaClient, log: string): ReplaySource => ({
  log,
  read: async (topics, after, limit) => {
    const { rows } = await sqlOf(prisma).query<OutboxRow>(
      `SELECT position, topic, key, value, headers FROM outbox
       WHERE position > $1 AND topic = ANY($2::text[]) ORDER BY position LIMIT $3`,
      [after.toString(), topics, limit],
    );
    return rows.map(({ position, topic, key, value, headers }) => ({ position: BigInt(position), topic, key, value, headers }));
  },
  end: async () => {
    const { rows } = await sqlOf(prisma).query<{ end: string }>('SELECT coalesce(max(position), 0) AS end FROM outbox');
    return BigInt(rows[0]!.end);
  },
  committed: async (groupId) => {
    const { rows } = await sqlOf(prisma).query<{ position: string }>(
      'SELECT position FROM outbox_offsets WHERE group_id = $1',
      [groupId],
    );
    return rows[0] ? BigInt(rows[0].position) : undefined;
  },
  commit: async (groupId, position) => {
    await sqlOf(prisma).query(
      `INSERT INTO outbox_offsets (group_id, position, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (group_id) DO UPDATE
         SET position = GREATEST(outbox_offsets.position, EXCLUDED.position), updated_at = now()`,
      [groupId, position.toString()],
    );
  },
});

/**
 * The relay of one service's event store, started and woken by every append that wrote outbox
 * rows: those of this process directly, those of other processes on the same database (other
 * instances of the service) by their notification (`listen`, default true). What every service that publishes events
 * runs, embedded or distributed.
 */
export const startOutboxRelay = (
  eventStore: { prisma: PrismaClient; onAppended(listener: () => void): void },
  publisher: Publisher,
  logger: { error(object: object, message: string): void },
  options: Pick<OutboxRelayOptions, 'log' | 'listen'> = {},
): OutboxRelay => {
  const relay = new OutboxRelay(eventStore.prisma, publisher, {
    listen: true,
    ...options,
    onError: (error) => logger.error({ err: error }, 'outbox relay failed; retrying'),
  });
  eventStore.onAppended(() => relay.notify());
  relay.start();
  return relay;
};
