import type { StoredEvent } from '@identity-store/contracts';
import { ExpectedVersionConflictError } from './errors';
import type {
  EventMetadata,
  OutboxEntry,
  PendingEvent,
  PostgresEventStore,
  RecordedEvent,
  UniqueKeyRef,
} from './event-store';
import type { PrismaTx } from './prisma-client';

export interface Evolver<State, E extends StoredEvent> {
  initialState: () => State;
  evolve: (state: State, event: E) => State;
}

interface Loaded<State> {
  state: State;
  version: number;
}

export interface HandleOptions<State, E extends StoredEvent> {
  metadata: EventMetadata;
  /** Integration messages for the appended events (written to the outbox in the same transaction). */
  toOutbox?: (events: PendingEvent<E>[]) => OutboxEntry[];
  /** Cross-stream unique keys the decided events claim or release (e.g. a user's external id). */
  uniqueKeys?: (decided: E[], before: State) => { claim?: UniqueKeyRef[]; release?: UniqueKeyRef[] };
  /** Inline projection: read-model changes committed in the same transaction, given the new state. */
  project?: (tx: PrismaTx, after: State, recorded: RecordedEvent<E>[]) => Promise<void>;
}

export interface HandleResult<State, E extends StoredEvent> extends Loaded<State> {
  /** The events this command appended (empty when the decision was "nothing to do"). */
  events: RecordedEvent<E>[];
}

/**
 * Loads aggregates (state = fold of the stream's events) and runs decisions against them with
 * optimistic concurrency. Folded states are kept in a bounded cache; every load still reads the
 * stream's events after the cached version, so several instances may write the same streams.
 */
export class AggregateRepository<State, E extends StoredEvent> {
  private readonly cache = new Map<string, Loaded<State>>();

  constructor(
    private readonly store: PostgresEventStore,
    private readonly evolver: Evolver<State, E>,
    private readonly options: { cacheSize?: number; maxRetries?: number } = {},
  ) {}

  async load(streamId: string): Promise<Loaded<State>> {
    const cached = this.cache.get(streamId);
    const base = cached ?? { state: this.evolver.initialState(), version: 0 };
    const newer = await this.store.readStream<E>(streamId, base.version);
    const loaded = newer.length ? this.fold(base, newer) : base;
    this.remember(streamId, loaded);
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
    options: HandleOptions<State, E>,
  ): Promise<HandleResult<State, E>> {
    const maxRetries = this.options.maxRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      const current = await this.load(streamId);
      const decided = decide(current.state, current.version);
      if (decided.length === 0) return { ...current, events: [] };
      try {
        const keys = options.uniqueKeys?.(decided, current.state);
        let next: Loaded<State> | undefined;
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
        return { ...next, events: result.events };
      } catch (error) {
        if (!(error instanceof ExpectedVersionConflictError) || attempt >= maxRetries) throw error;
        // Someone else appended first: forget the cached state and decide again on the new one.
        this.cache.delete(streamId);
      }
    }
  }

  private fold(from: Loaded<State>, events: RecordedEvent<E>[]): Loaded<State> {
    let state = from.state;
    for (const event of events)
      state = this.evolver.evolve(state, { type: event.type, data: event.data } as E);
    return { state, version: events.at(-1)?.streamVersion ?? from.version };
  }

  private remember(streamId: string, loaded: Loaded<State>): void {
    // Map iteration order is insertion order: re-inserting marks the entry most recently used.
    this.cache.delete(streamId);
    this.cache.set(streamId, loaded);
    const limit = this.options.cacheSize ?? 50_000;
    if (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value as string);
  }
}
