import type { StoredEvent } from '@identity-store/contracts';
import type { PrismaTx } from './prisma-client';

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
  /** Store-wide append order. */
  position: bigint;
  type: E['type'];
  data: E['data'];
  metadata: EventMetadata;
  createdAt: Date;
}

/** An event about to be appended: everything but its store-assigned global position. */
export type PendingEvent<E extends StoredEvent = StoredEvent> = Omit<RecordedEvent<E>, 'position'>;

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
  /** A claim only: when the key stops being needed (ISO-8601), e.g. an open session's expiry. */
  expiresAt?: string;
}

/** A claimed unique key past its expiry, and the stream holding it. */
export interface ExpiredKey {
  key: string;
  streamId: string;
  expiresAt: Date;
}

/**
 * `Tx` is what inline projections write through: a Prisma transaction for PostgreSQL, whatever an
 * in-memory read model needs for the in-memory store.
 */
export interface AppendOptions<E extends StoredEvent = StoredEvent, Tx = PrismaTx> {
  /** The stream's current version as the caller saw it; 0 means "the stream must not exist yet". */
  expectedVersion: number;
  metadata: EventMetadata;
  /** Integration messages for the appended events, written to the outbox in the same transaction. */
  toOutbox?: (events: PendingEvent<E>[]) => OutboxEntry[];
  /** Cross-stream uniqueness claimed (or released) atomically with the events. */
  claimKeys?: UniqueKeyRef[];
  releaseKeys?: UniqueKeyRef[];
  /** Inline read-model changes committed atomically with the events. */
  inline?: (tx: Tx, recorded: RecordedEvent<E>[]) => Promise<void>;
}

export interface AppendResult<E extends StoredEvent = StoredEvent> {
  nextExpectedVersion: number;
  events: RecordedEvent<E>[];
}

/** Where the command handler keeps snapshots of folded states (a cache, never the truth). */
export interface SnapshotStorage {
  /** The stream's snapshot written with this schema version, or null. */
  read(streamId: string, schemaVersion: number): Promise<{ version: number; state: unknown } | null>;
  /** Replaces an older snapshot (or one of another schema version) of the stream. */
  write(streamId: string, version: number, schemaVersion: number, state: unknown): Promise<void>;
}

/**
 * Event streams with optimistic concurrency, as the command handler needs them. An append is
 * atomic: its events, outbox entries, unique-key claims and releases and inline read-model changes
 * commit together or not at all. It fails with ExpectedVersionConflictError when the stream is not
 * at `expectedVersion`, and with UniqueKeyTakenError when another stream holds a claimed key.
 * Implemented by PostgresEventStore (production) and InMemoryEventStore (unit specs).
 */
export interface EventStore<Tx = PrismaTx> {
  readStream<E extends StoredEvent>(streamId: string, afterVersion?: number): Promise<RecordedEvent<E>[]>;
  appendToStream<E extends StoredEvent>(
    streamId: string,
    events: E[],
    options: AppendOptions<E, Tx>,
  ): Promise<AppendResult<E>>;
  /**
   * Called in the appender's async context after every committed append that wrote outbox rows
   * (wakes the outbox relay; names the request's writes in its Consistency-Token).
   */
  onAppended(listener: (appended: RecordedEvent[]) => void): void;
  /** The stream holding a claimed unique key, or null. */
  streamHolding(scope: string, key: string): Promise<string | null>;
  /**
   * Keys of a scope that expired at `now`, oldest first, `limit` of them after `after` (the last
   * key of the previous page): a page that could not be handled does not hide the next one.
   */
  expiredKeys(scope: string, now: Date, limit: number, after?: ExpiredKey): Promise<ExpiredKey[]>;
  /** Absent: states are never snapshotted. */
  readonly snapshots?: SnapshotStorage;
}
