import type { StoredEvent } from '@identity-store/contracts';
import { ExpectedVersionConflictError } from './errors';
import type {
  EventMetadata,
  EventStore,
  OutboxEntry,
  PendingEvent,
  RecordedEvent,
  SnapshotStorage,
  UniqueKeyRef,
} from './event-store';
import type { PrismaTx } from './prisma-client';
import { jsonMismatch, type SnapshotPolicy } from './snapshots';

export interface Evolver<State, E extends StoredEvent> {
  initialState: () => State;
  evolve: (state: State, event: E) => State;
  /** How the state is snapshotted; without it, every cold load folds the whole stream. */
  snapshot?: SnapshotPolicy<State>;
}

interface Loaded<State> {
  state: State;
  version: number;
}

/** A loaded state and the stream version of its newest snapshot this repository knows of (0: none). */
interface Known<State> extends Loaded<State> {
  snapshotVersion: number;
}

export interface CommandHandlerOptions {
  /** States kept in memory (least recently used evicted). Default 50 000. */
  cacheSize?: number;
  /** Decisions retried on concurrent writes before giving up. Default 5. */
  maxRetries?: number;
  /**
   * A snapshot is written once a stream has grown this many events past its last one (0: never).
   * Default {@link DEFAULT_SNAPSHOT_EVERY}. Only for evolvers with a `snapshot` policy.
   */
  snapshotEvery?: number;
  /** Told about snapshots that were ignored or could not be written (they never fail a command). */
  logger?: { warn(object: object, message: string): void };
}

/** Streams are snapshotted every 100 events: a cold load then folds at most ~100 events. */
export const DEFAULT_SNAPSHOT_EVERY = 100;

export interface HandleOptions<State, E extends StoredEvent, Tx = PrismaTx> {
  metadata: EventMetadata;
  /** Integration messages for the appended events (written to the outbox in the same transaction). */
  toOutbox?: (events: PendingEvent<E>[]) => OutboxEntry[];
  /** Cross-stream unique keys the decided events claim or release (e.g. a user's external id). */
  uniqueKeys?: (decided: E[], before: State) => { claim?: UniqueKeyRef[]; release?: UniqueKeyRef[] };
  /** Inline projection: read-model changes committed in the same transaction, given the new state. */
  project?: (tx: Tx, after: State, recorded: RecordedEvent<E>[]) => Promise<void>;
}

export interface HandleResult<State, E extends StoredEvent> extends Loaded<State> {
  /** The events this command appended (empty when the decision was "nothing to do"). */
  events: RecordedEvent<E>[];
}

/**
 * The one command handler of every aggregate (Emmett's `CommandHandler({ evolve, initialState })`):
 * load the stream's state → decide → append expecting the loaded version (with the decision's
 * outbox messages, unique-key claims and releases, and inline projection, all in the append) →
 * on ExpectedVersionConflict decide again on the fresh state. Works on any {@link EventStore}:
 * PostgreSQL in production, in memory in unit specs.
 *
 * Folded states are kept in a bounded cache; every load still reads the stream's events after the
 * cached version, so several instances may write the same streams.
 *
 * Snapshots (for evolvers with a `snapshot` policy, on a store with `snapshots`) bound the cost of
 * a cold load: it reads the stream's snapshot and folds only the events after it. A snapshot is
 * written once the stream has grown `snapshotEvery` events past the last one, after the append that
 * got it there committed (or on the load that found it so): awaited, so no write outlives the
 * request or races a shutdown, but outside the append's transaction and best effort — a failed
 * write is logged and changes nothing, and costs one statement per `snapshotEvery` events. Any
 * snapshot of a stream is the fold of committed, immutable events, so it does not matter which
 * instance wrote it.
 */
export class CommandHandler<State, E extends StoredEvent, Tx = PrismaTx> {
  private readonly cache = new Map<string, Known<State>>();
  private readonly snapshots: SnapshotStorage | undefined;

  constructor(
    private readonly store: EventStore<Tx>,
    private readonly evolver: Evolver<State, E>,
    private readonly options: CommandHandlerOptions = {},
  ) {
    this.snapshots = store.snapshots;
  }

  async load(streamId: string): Promise<Loaded<State>> {
    const { snapshotVersion: _known, ...loaded } = await this.loadKnown(streamId);
    return loaded;
  }

  private async loadKnown(streamId: string): Promise<Known<State>> {
    const base = this.cache.get(streamId) ?? (await this.fromSnapshot(streamId));
    const newer = await this.store.readStream<E>(streamId, base.version);
    const loaded = newer.length ? this.fold(base, newer) : base;
    this.remember(streamId, loaded);
    await this.snapshotIfDue(streamId, loaded);
    return loaded;
  }

  /**
   * Decides on the current state and appends the resulting events expecting that state's version.
   * On a concurrent write the decision is retried on the fresh state (the caller's decide must be
   * pure). Errors thrown by decide (e.g. DomainError) propagate unchanged and append nothing.
   */
  async handle(
    streamId: string,
    decide: (state: State, version: number) => E[],
    options: HandleOptions<State, E, Tx>,
  ): Promise<HandleResult<State, E>> {
    const maxRetries = this.options.maxRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      const current = await this.loadKnown(streamId);
      const decided = decide(current.state, current.version);
      if (decided.length === 0) return { state: current.state, version: current.version, events: [] };
      try {
        const keys = options.uniqueKeys?.(decided, current.state);
        let next: Known<State> | undefined;
        const result = await this.store.appendToStream<E>(streamId, decided, {
          expectedVersion: current.version,
          metadata: options.metadata,
          toOutbox: options.toOutbox,
          claimKeys: keys?.claim,
          releaseKeys: keys?.release,
          inline: options.project
            ? async (tx, recorded) => {
                next = this.fold(current, recorded);
                await options.project!(tx, next.state, recorded);
              }
            : undefined,
        });
        next ??= this.fold(current, result.events);
        this.remember(streamId, next);
        await this.snapshotIfDue(streamId, next);
        return { state: next.state, version: next.version, events: result.events };
      } catch (error) {
        if (!(error instanceof ExpectedVersionConflictError) || attempt >= maxRetries) throw error;
        // Someone else appended first: forget the cached state and decide again on the new one.
        this.cache.delete(streamId);
      }
    }
  }

  private fold(from: Known<State>, events: RecordedEvent<E>[]): Known<State> {
    let state = from.state;
    for (const event of events)
      state = this.evolver.evolve(state, { type: event.type, data: event.data } as E);
    return {
      state,
      version: events.at(-1)?.streamVersion ?? from.version,
      snapshotVersion: from.snapshotVersion,
    };
  }

  private get snapshotEvery(): number {
    return this.evolver.snapshot && this.snapshots
      ? (this.options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY)
      : 0;
  }

  /** The stream's snapshot as the base of a cold load; the initial state without a usable one. */
  private async fromSnapshot(streamId: string): Promise<Known<State>> {
    const initial = { state: this.evolver.initialState(), version: 0, snapshotVersion: 0 };
    const policy = this.evolver.snapshot;
    if (!policy || this.snapshotEvery <= 0) return initial;
    const stored = await this.snapshots!.read(streamId, policy.version);
    if (!stored) return initial;
    try {
      if (!Number.isInteger(stored.version) || stored.version < 1)
        throw new Error(`snapshot version ${stored.version}`);
      const state = policy.parse ? policy.parse(stored.state) : (stored.state as State);
      return { state, version: stored.version, snapshotVersion: stored.version };
    } catch (error) {
      // A cache, not the truth: fold from the start (and overwrite it once the stream is due).
      this.options.logger?.warn({ streamId, err: error }, 'ignoring a snapshot that does not parse');
      return initial;
    }
  }

  private async snapshotIfDue(streamId: string, loaded: Known<State>): Promise<void> {
    const policy = this.evolver.snapshot;
    const every = this.snapshotEvery;
    if (!policy || every <= 0 || loaded.version - loaded.snapshotVersion < every) return;
    // Recorded first: a state that cannot be written is tried again `every` events later, not on every load.
    loaded.snapshotVersion = loaded.version;
    const mismatch = jsonMismatch(loaded.state);
    if (mismatch) {
      // A defect of the aggregate's code (its state must be plain JSON data): no snapshot of it.
      this.options.logger?.warn({ streamId, mismatch }, 'state is not plain JSON: not snapshotted');
      return;
    }
    try {
      await this.snapshots!.write(streamId, loaded.version, policy.version, loaded.state);
    } catch (error) {
      this.options.logger?.warn({ streamId, err: error }, 'could not write a snapshot');
    }
  }

  private remember(streamId: string, loaded: Known<State>): void {
    // Map iteration order is insertion order: re-inserting marks the entry most recently used.
    this.cache.delete(streamId);
    this.cache.set(streamId, loaded);
    const limit = this.options.cacheSize ?? 50_000;
    if (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value as string);
  }
}

