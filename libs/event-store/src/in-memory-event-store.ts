import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@identity-store/contracts';
import { ExpectedVersionConflictError, UniqueKeyTakenError } from './errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpiredKey,
  OutboxEntry,
  PendingEvent,
  RecordedEvent,
  SnapshotStorage,
} from './event-store';

/** What inline projections get from the in-memory store: nothing (their read models are in memory too). */
export type InMemoryTx = undefined;

interface HeldKey {
  scope: string;
  key: string;
  streamId: string;
  expiresAt: Date | null;
}

const keyOf = ({ scope, key }: { scope: string; key: string }) => `${scope}\u0000${key}`;

/**
 * The EventStore in memory, for unit specs of command handlers and API handlers (no I/O): the same
 * expected-version and unique-key semantics as PostgresEventStore (an append is all or nothing;
 * inline projections run before it commits, so one that throws appends nothing). Not for production:
 * nothing is persisted and nothing is published; the outbox is only kept for assertions.
 */
export class InMemoryEventStore implements EventStore<InMemoryTx> {
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly keys = new Map<string, HeldKey>();
  private readonly snapshotRows = new Map<
    string,
    { version: number; schemaVersion: number; state: string }
  >();
  private position = 0n;
  private readonly appendListeners: Array<(appended: RecordedEvent[]) => void> = [];
  /** Every outbox entry appended, in order. */
  readonly outbox: OutboxEntry[] = [];

  readonly snapshots: SnapshotStorage = {
    read: async (streamId, schemaVersion) => {
      const row = this.snapshotRows.get(streamId);
      return row && row.schemaVersion === schemaVersion
        ? { version: row.version, state: JSON.parse(row.state) }
        : null;
    },
    write: async (streamId, version, schemaVersion, state) => {
      const row = this.snapshotRows.get(streamId);
      if (row && row.version >= version && row.schemaVersion === schemaVersion) return;
      this.snapshotRows.set(streamId, { version, schemaVersion, state: JSON.stringify(state) });
    },
  };

  async readStream<E extends StoredEvent>(streamId: string, afterVersion = 0): Promise<RecordedEvent<E>[]> {
    return (this.streams.get(streamId) ?? [])
      .filter((event) => event.streamVersion > afterVersion)
      .map((event) => structuredClone(event) as RecordedEvent<E>);
  }

  async appendToStream<E extends StoredEvent>(
    streamId: string,
    events: E[],
    options: AppendOptions<E, InMemoryTx>,
  ): Promise<AppendResult<E>> {
    if (events.length === 0) return { nextExpectedVersion: options.expectedVersion, events: [] };
    const stream = this.streams.get(streamId) ?? [];
    if (stream.length !== options.expectedVersion)
      throw new ExpectedVersionConflictError(streamId, options.expectedVersion);
    const released = new Set(
      (options.releaseKeys ?? [])
        .filter((ref) => this.keys.get(keyOf(ref))?.streamId === streamId)
        .map(keyOf),
    );
    const claimed = new Set<string>();
    for (const claim of options.claimKeys ?? []) {
      const id = keyOf(claim);
      if ((this.keys.has(id) && !released.has(id)) || claimed.has(id))
        throw new UniqueKeyTakenError(claim.scope, claim.key);
      claimed.add(id);
    }
    const createdAt = new Date();
    // Stored as JSON, like PostgreSQL's jsonb: what a reader gets back is a copy, not the caller's objects.
    const pending: PendingEvent<E>[] = events.map((event, index) => ({
      id: randomUUID(),
      streamId,
      streamVersion: options.expectedVersion + index + 1,
      type: event.type,
      data: JSON.parse(JSON.stringify(event.data)) as E['data'],
      metadata: options.metadata,
      createdAt,
    }));
    const outbox = options.toOutbox?.(pending) ?? [];
    const recorded: RecordedEvent<E>[] = pending.map((event, index) => ({
      ...event,
      position: this.position + BigInt(index + 1),
    }));
    await options.inline?.(undefined, recorded);
    // Committed: nothing below can fail.
    this.position += BigInt(recorded.length);
    this.streams.set(streamId, [...stream, ...(recorded as RecordedEvent[])]);
    for (const id of released) this.keys.delete(id);
    for (const claim of options.claimKeys ?? [])
      this.keys.set(keyOf(claim), {
        scope: claim.scope,
        key: claim.key,
        streamId,
        expiresAt: claim.expiresAt === undefined ? null : new Date(claim.expiresAt),
      });
    this.outbox.push(...outbox);
    if (outbox.length) for (const listener of this.appendListeners) listener(recorded as RecordedEvent[]);
    return { nextExpectedVersion: options.expectedVersion + events.length, events: recorded };
  }

  onAppended(listener: (appended: RecordedEvent[]) => void): void {
    this.appendListeners.push(listener);
  }

  async streamHolding(scope: string, key: string): Promise<string | null> {
    return this.keys.get(keyOf({ scope, key }))?.streamId ?? null;
  }

  async expiredKeys(scope: string, now: Date, limit: number, after?: ExpiredKey): Promise<ExpiredKey[]> {
    const isAfter = (key: ExpiredKey) =>
      !after ||
      key.expiresAt.getTime() > after.expiresAt.getTime() ||
      (key.expiresAt.getTime() === after.expiresAt.getTime() && key.key > after.key);
    return [...this.keys.values()]
      .filter((held) => held.scope === scope && held.expiresAt !== null && held.expiresAt <= now)
      .map((held) => ({ key: held.key, streamId: held.streamId, expiresAt: held.expiresAt! }))
      .filter(isAfter)
      .sort(
        (a, b) =>
          a.expiresAt.getTime() - b.expiresAt.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
      )
      .slice(0, limit);
  }
}
