import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@identity-store/contracts';
import { ExpectedVersionConflictError, isUniqueViolation, UniqueKeyTakenError } from './errors';
import type { PrismaClient, PrismaTx } from './prisma-client';

export interface EventMetadata {
  correlationId: string;
  causationId?: string;
  [key: string]: unknown;
}

export interface RecordedEvent<E extends StoredEvent = StoredEvent> {
  id: string;
  streamId: string;
  /** 1 for the first event of a stream. */
  streamVersion: number;
  /** Database-wide append order. */
  position: bigint;
  type: E['type'];
  data: E['data'];
  metadata: EventMetadata;
  createdAt: Date;
}

/** One message for the transport, derived from an appended event. */
export interface OutboxEntry {
  eventId: string;
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface UniqueKeyRef {
  scope: string;
  key: string;
}

export interface AppendOptions<E extends StoredEvent = StoredEvent> {
  /** The stream's current version as the caller saw it; 0 means "the stream must not exist yet". */
  expectedVersion: number;
  metadata: EventMetadata;
  /** Integration messages for the appended events, written to the outbox in the same transaction. */
  toOutbox?: (recorded: RecordedEvent<E>[]) => OutboxEntry[];
  /** Cross-stream uniqueness claimed (or released) atomically with the events. */
  claimKeys?: UniqueKeyRef[];
  releaseKeys?: UniqueKeyRef[];
  /** Inline read-model changes committed atomically with the events. */
  inline?: (tx: PrismaTx, recorded: RecordedEvent<E>[]) => Promise<void>;
}

export interface AppendResult<E extends StoredEvent = StoredEvent> {
  nextExpectedVersion: number;
  events: RecordedEvent<E>[];
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
export class PostgresEventStore {
  private readonly appendListeners: Array<() => void> = [];

  constructor(readonly prisma: PrismaClient) {}

  /** Called after every committed append that wrote outbox rows (wakes the outbox relay). */
  onAppended(listener: () => void): void {
    this.appendListeners.push(listener);
  }

  async readStream<E extends StoredEvent>(streamId: string, afterVersion = 0): Promise<RecordedEvent<E>[]> {
    const rows = await this.prisma.event.findMany({
      where: { streamId, streamVersion: { gt: afterVersion } },
      orderBy: { streamVersion: 'asc' },
    });
    return rows.map((row) => toRecorded<E>(row));
  }

  async appendToStream<E extends StoredEvent>(
    streamId: string,
    events: E[],
    options: AppendOptions<E>,
  ): Promise<AppendResult<E>> {
    if (events.length === 0) return { nextExpectedVersion: options.expectedVersion, events: [] };
    const now = new Date();
    const rows = events.map((event, index) => ({
      id: randomUUID(),
      streamId,
      streamVersion: options.expectedVersion + index + 1,
      type: event.type,
      data: event.data as object,
      metadata: options.metadata as object,
      createdAt: now,
    }));
    let outboxCount = 0;
    try {
      const recorded = await this.prisma.$transaction(async (tx) => {
        // The unique (stream, version) index is the concurrency check: a writer whose expected
        // version is stale inserts a version that already exists and fails as a whole.
        const inserted = (await tx.event.createManyAndReturn({ data: rows })).map((row) => toRecorded<E>(row));
        if (options.releaseKeys?.length)
          await tx.uniqueKey.deleteMany({
            where: { OR: options.releaseKeys.map(({ scope, key }) => ({ scope, key, streamId })) },
          });
        for (const claim of options.claimKeys ?? []) {
          try {
            await tx.uniqueKey.create({ data: { scope: claim.scope, key: claim.key, streamId } });
          } catch (error) {
            if (isUniqueViolation(error)) throw new UniqueKeyTakenError(claim.scope, claim.key);
            throw error;
          }
        }
        const outbox = options.toOutbox?.(inserted) ?? [];
        if (outbox.length) {
          await tx.outboxMessage.createMany({
            data: outbox.map((entry) => ({ ...entry, headers: entry.headers ?? {} })),
          });
          outboxCount = outbox.length;
        }
        if (options.inline) await options.inline(tx, inserted);
        return inserted;
      }, transactionLimits);
      if (outboxCount) for (const listener of this.appendListeners) listener();
      return { nextExpectedVersion: options.expectedVersion + events.length, events: recorded };
    } catch (error) {
      // Unique-key claims are reported inside the transaction; any other unique violation is a version clash.
      if (isUniqueViolation(error))
        throw new ExpectedVersionConflictError(streamId, options.expectedVersion);
      throw error;
    }
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
