import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@identity-store/contracts';
import { ExpectedVersionConflictError, isUniqueViolation, UniqueKeyTakenError } from './errors';
import type {
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpiredKey,
  OutboxEntry,
  PendingEvent,
  RecordedEvent,
  UniqueKeyRef,
} from './event-store';
import { type PrismaClient, type PrismaTx, sqlOf } from './prisma-client';
import { SnapshotStore } from './snapshots';

/**
 * The channel on which an append that wrote outbox rows notifies the outbox relays of its database
 * (channels are per database), so a relay in another process is woken at once too.
 */
export const OUTBOX_CHANNEL = 'outbox_appended';

export interface PostgresEventStoreOptions {
  /**
   * NOTIFY the outbox relays on `OUTBOX_CHANNEL` after an append that wrote outbox rows (default
   * true). Only processes other than this one need it (its own relay is woken by `onAppended`): a
   * database that only this process writes, as in the embedded layout, can do without the extra
   * statement, which competes with appends for the pool's connections under load.
   */
  notifyRelays?: boolean;
}

/** Under load, waiting for a pooled connection can take a while; a 500 is worse than a wait. */
const transactionLimits = { maxWait: 10_000, timeout: 15_000 };

type EventRow = {
  position: bigint;
  id: string;
  streamId: string;
  streamVersion: number;
  type: string;
  data: unknown;
  metadata: unknown;
  createdAt: Date;
};

/** An events row as node-postgres returns it (bigint as text). */
type SqlEventRow = {
  position: string;
  id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  data: unknown;
  metadata: unknown;
  created_at: Date;
};

const fromSqlRow = <E extends StoredEvent>(row: SqlEventRow): RecordedEvent<E> => ({
  id: row.id,
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  position: BigInt(row.position),
  type: row.type as E['type'],
  data: row.data as E['data'],
  metadata: row.metadata as EventMetadata,
  createdAt: row.created_at,
});

/**
 * The claimed key a node-postgres unique violation of `unique_keys` names ("Key (scope, key)=(a, b)
 * already exists."); null for any other error.
 */
const takenUniqueKey = (error: unknown, claims: UniqueKeyRef[]): UniqueKeyRef | null => {
  const { code, constraint, detail } = (error ?? {}) as {
    code?: string;
    constraint?: string;
    detail?: string;
  };
  if (code !== '23505' || constraint !== 'unique_keys_pkey') return null;
  const [, scope, key] = /\(scope, key\)=\((.*?), (.*)\) already exists/.exec(detail ?? '') ?? [];
  return claims.find((c) => c.scope === scope && c.key === key) ?? claims[0] ?? null;
};

const toRecorded = <E extends StoredEvent>(row: EventRow): RecordedEvent<E> => ({
  id: row.id,
  streamId: row.streamId,
  streamVersion: row.streamVersion,
  position: row.position,
  type: row.type as E['type'],
  data: row.data as E['data'],
  metadata: row.metadata as EventMetadata,
  createdAt: row.createdAt,
});

/**
 * Event streams on PostgreSQL. An append is one transaction: the events (guarded by the unique
 * (stream, version) index — the optimistic-concurrency check), their outbox rows, unique-key claims
 * and inline read-model changes all commit together or not at all.
 */
export class PostgresEventStore implements EventStore<PrismaTx> {
  private readonly appendListeners: Array<(appended: RecordedEvent[]) => void> = [];
  private notifying = false;
  private notifyAgain = false;
  readonly snapshots: SnapshotStore;

  constructor(
    readonly prisma: PrismaClient,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    this.snapshots = new SnapshotStore(prisma);
  }

  onAppended(listener: (appended: RecordedEvent[]) => void): void {
    this.appendListeners.push(listener);
  }

  /**
   * NOTIFY after the commit, as a statement of its own, at most one in flight (appends meanwhile
   * are covered by one more once it returns: a NOTIFY sent after their commit). Not inside the
   * append's statement: a transaction that notified holds a global lock through its commit's WAL
   * flush, which serialises all appending commits (measured: ~300 appends/s instead of ~1 000).
   * A lost notification only delays the rows to the relays' poll.
   */
  private notifyRelays(): void {
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    sqlOf(this.prisma)
      .query("SELECT pg_notify($1, '')", [OUTBOX_CHANNEL])
      .catch(() => undefined)
      .finally(() => {
        this.notifying = false;
        if (!this.notifyAgain) return;
        this.notifyAgain = false;
        if (this.options.notifyRelays ?? true) this.notifyRelays();
      });
  }

  async readStream<E extends StoredEvent>(streamId: string, afterVersion = 0): Promise<RecordedEvent<E>[]> {
    const { rows } = await sqlOf(this.prisma).query<SqlEventRow>(
      `SELECT position, id, stream_id, stream_version, type, data, metadata, created_at FROM events
       WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version`,
      [streamId, afterVersion],
    );
    return rows.map((row) => fromSqlRow<E>(row));
  }

  async appendToStream<E extends StoredEvent>(
    streamId: string,
    events: E[],
    options: AppendOptions<E>,
  ): Promise<AppendResult<E>> {
    if (events.length === 0) return { nextExpectedVersion: options.expectedVersion, events: [] };
    const createdAt = new Date();
    const pending: PendingEvent<E>[] = events.map((event, index) => ({
      id: randomUUID(),
      streamId,
      streamVersion: options.expectedVersion + index + 1,
      type: event.type,
      data: event.data,
      metadata: options.metadata,
      createdAt,
    }));
    const outbox = options.toOutbox?.(pending) ?? [];
    const keys = { claim: options.claimKeys ?? [], release: options.releaseKeys ?? [] };
    // Inline projections need a transaction to run in; so does re-claiming a key released by the
    // same append (one statement would see the released row still there).
    const reclaims = keys.claim.some((c) => keys.release.some((r) => r.scope === c.scope && r.key === c.key));
    try {
      const recorded =
        options.inline || reclaims
          ? await this.appendInTransaction(pending, outbox, options)
          : await this.appendInOneStatement(pending, outbox, keys);
      if (outbox.length) {
        for (const listener of this.appendListeners) listener(recorded);
        this.notifyRelays();
      }
      return { nextExpectedVersion: options.expectedVersion + events.length, events: recorded };
    } catch (error) {
      if (error instanceof UniqueKeyTakenError) throw error;
      const taken = takenUniqueKey(error, keys.claim);
      if (taken) throw new UniqueKeyTakenError(taken.scope, taken.key);
      // Any other unique violation is the (stream, version) index: someone appended first.
      if (isUniqueViolation(error)) throw new ExpectedVersionConflictError(streamId, options.expectedVersion);
      throw error;
    }
  }

  /**
   * The common case — events, outbox rows, unique keys claimed and released — as one statement of
   * data-modifying CTEs: atomic on its own, one round trip instead of BEGIN, several statements and
   * COMMIT.
   */
  private async appendInOneStatement<E extends StoredEvent>(
    pending: PendingEvent<E>[],
    outbox: OutboxEntry[],
    keys: { claim: UniqueKeyRef[]; release: UniqueKeyRef[] },
  ): Promise<RecordedEvent<E>[]> {
    const eventRows = JSON.stringify(
      pending.map((e) => ({
        id: e.id,
        stream_id: e.streamId,
        stream_version: e.streamVersion,
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        created_at: e.createdAt.toISOString(),
      })),
    );
    const outboxRows = JSON.stringify(
      outbox.map((o) => ({
        event_id: o.eventId,
        topic: o.topic,
        key: o.key,
        value: o.value,
        headers: o.headers ?? {},
      })),
    );
    const { rows: positions } = await sqlOf(this.prisma).query<{ position: string }>(
      `WITH appended AS (
         INSERT INTO events (id, stream_id, stream_version, type, data, metadata, created_at)
         SELECT e.id, e.stream_id, e.stream_version, e.type, e.data, e.metadata, e.created_at
         FROM jsonb_to_recordset($1::jsonb)
           AS e(id uuid, stream_id text, stream_version int, type text, data jsonb, metadata jsonb, created_at timestamptz)
         RETURNING position, stream_version
       ), outboxed AS (
         INSERT INTO outbox (event_id, topic, key, value, headers)
         SELECT o.event_id, o.topic, o.key, o.value, o.headers
         FROM jsonb_to_recordset($2::jsonb) AS o(event_id uuid, topic text, key text, value text, headers jsonb)
       ), released AS (
         DELETE FROM unique_keys u USING jsonb_to_recordset($3::jsonb) AS r(scope text, key text)
         WHERE u.scope = r.scope AND u.key = r.key AND u.stream_id = $5
       ), claimed AS (
         INSERT INTO unique_keys (scope, key, stream_id, expires_at)
         SELECT c.scope, c.key, $5, c.expires_at
         FROM jsonb_to_recordset($4::jsonb) AS c(scope text, key text, expires_at timestamptz)
       )
       SELECT position FROM appended ORDER BY stream_version`,
      [
        eventRows,
        outboxRows,
        JSON.stringify(keys.release),
        JSON.stringify(
          keys.claim.map((c) => ({ scope: c.scope, key: c.key, expires_at: c.expiresAt ?? null })),
        ),
        pending[0]!.streamId,
      ],
    );
    return pending.map((event, index) => ({ ...event, position: BigInt(positions[index]!.position) }));
  }

  private async appendInTransaction<E extends StoredEvent>(
    pending: PendingEvent<E>[],
    outbox: OutboxEntry[],
    options: AppendOptions<E>,
  ): Promise<RecordedEvent<E>[]> {
    const streamId = pending[0]!.streamId;
    return this.prisma.$transaction(async (tx) => {
      // The unique (stream, version) index is the concurrency check: a writer whose expected
      // version is stale inserts a version that already exists and fails as a whole.
      const inserted = (
        await tx.event.createManyAndReturn({
          data: pending.map((e) => ({ ...e, data: e.data as object, metadata: e.metadata as object })),
        })
      ).map((row) => toRecorded<E>(row));
      if (options.releaseKeys?.length)
        await tx.uniqueKey.deleteMany({
          where: { OR: options.releaseKeys.map(({ scope, key }) => ({ scope, key, streamId })) },
        });
      for (const claim of options.claimKeys ?? []) {
        try {
          await tx.uniqueKey.create({
            data: {
              scope: claim.scope,
              key: claim.key,
              streamId,
              expiresAt: claim.expiresAt === undefined ? null : new Date(claim.expiresAt),
            },
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw new UniqueKeyTakenError(claim.scope, claim.key);
          throw error;
        }
      }
      if (outbox.length)
        await tx.outboxMessage.createMany({
          data: outbox.map((entry) => ({ ...entry, headers: entry.headers ?? {} })),
        });
      if (options.inline) await options.inline(tx, inserted);
      return inserted;
    }, transactionLimits);
  }

  async streamHolding(scope: string, key: string): Promise<string | null> {
    const { rows } = await sqlOf(this.prisma).query<{ stream_id: string }>(
      'SELECT stream_id FROM unique_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    return rows[0]?.stream_id ?? null;
  }

  async expiredKeys(scope: string, now: Date, limit: number, after?: ExpiredKey): Promise<ExpiredKey[]> {
    const { rows } = await sqlOf(this.prisma).query<{ key: string; stream_id: string; expires_at: Date }>(
      `SELECT key, stream_id, expires_at FROM unique_keys
       WHERE scope = $1 AND expires_at <= $2
         AND ($3::timestamptz IS NULL OR (expires_at, key) > ($3::timestamptz, $4::text))
       ORDER BY expires_at, key LIMIT $5`,
      [scope, now, after?.expiresAt ?? null, after?.key ?? null, limit],
    );
    return rows.map((row) => ({ key: row.key, streamId: row.stream_id, expiresAt: row.expires_at }));
  }

  /** Events of all streams after a position, in append order (for replays and catch-up). */
  async readAll(afterPosition: bigint, limit = 1000): Promise<RecordedEvent[]> {
    const rows = await this.prisma.event.findMany({
      where: { position: { gt: afterPosition } },
      orderBy: { position: 'asc' },
      take: limit,
    });
    return rows.map((row) => toRecorded(row));
  }
}
