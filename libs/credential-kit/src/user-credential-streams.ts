import { forbidden, type Store, type StoredEvent, type UserRecord } from '@identity-store/contracts';
import {
  AggregateRepository,
  type EventMetadata,
  type Evolver,
  integrationMessage,
  type PostgresEventStore,
  type RecordedEvent,
  type UniqueKeyRef,
} from '@identity-store/event-store';
import {
  type IdentityQueries,
  resolveStoreAndUser,
  type SummaryQueries,
  toUserView,
  type UserRef,
} from '@identity-store/service-clients';

/** Credential ceremonies need the user ACTIVE (else 403 USER_NOT_ACTIVE). */
export const requireActiveUser = (user: UserRecord): void => {
  if (user.status !== 'ACTIVE') throw forbidden('USER_NOT_ACTIVE', `User is ${user.status}.`);
};

export interface UserCredentialStreamsOptions<State, E extends StoredEvent> extends Evolver<State, E> {
  /** The user's stream, e.g. `totp-user-<userId>`. */
  streamId: (userId: string) => string;
  /** The topic the stream's integration events are published to. */
  topic: string;
  /** The published form of a stored event: must drop every secret. */
  toIntegration: (event: E) => { type: string; version: number; data: Record<string, unknown> };
  /** The decisions' clock (tests inject one). */
  clock?: () => Date;
}

export interface DecideOptions<State, E extends StoredEvent> {
  metadata: EventMetadata;
  /** Cross-stream keys the decided events claim or release (see AggregateRepository.handle). */
  uniqueKeys?: (decided: E[], before: State) => { claim?: UniqueKeyRef[]; release?: UniqueKeyRef[] };
}

/**
 * What a credential service does around its decider: one aggregate per user, looked up through the
 * identity service; decisions appended with their integration messages in the same transaction;
 * answers showing the user as the audit projection sees it after the request's own events
 * (read-your-writes).
 */
export class UserCredentialStreams<State, E extends StoredEvent> {
  private readonly repository: AggregateRepository<State, E>;
  readonly clock: () => Date;

  constructor(
    eventStore: PostgresEventStore,
    private readonly identity: IdentityQueries,
    private readonly summaries: SummaryQueries,
    private readonly options: UserCredentialStreamsOptions<State, E>,
  ) {
    this.repository = new AggregateRepository(eventStore, options);
    this.clock = options.clock ?? (() => new Date());
  }

  /** Store and user of a user-scoped request (404 for unknown ones and users of other stores). */
  resolve(storeName: string, ref: UserRef) {
    return resolveStoreAndUser(this.identity, storeName, ref);
  }

  /** The user's current aggregate state (and the time it is read at, for derived statuses). */
  async state(storeName: string, ref: UserRef) {
    const { store, user } = await this.resolve(storeName, ref);
    return { store, user, state: await this.load(user.id), now: this.clock() };
  }

  async load(userId: string): Promise<State> {
    return (await this.repository.load(this.options.streamId(userId))).state;
  }

  /** The user with summaryInfo reflecting (at least) the given appended events. */
  async userView(user: UserRecord, appended: RecordedEvent[] = []) {
    const last = appended.at(-1);
    const waitFor = last ? [{ streamId: last.streamId, streamVersion: last.streamVersion }] : [];
    return toUserView(user, await this.summaries.getSummary(user.id, waitFor));
  }

  /**
   * Decides on the user's aggregate at `clock()` and appends the events with their integration
   * messages (enveloped with the store and user ids). On a concurrent write `decide` runs again on
   * the fresh state (same `now`), so it must not have effects of its own.
   */
  decide(
    store: Store,
    user: UserRecord,
    decide: (state: State, now: Date) => E[],
    options: DecideOptions<State, E>,
  ) {
    const now = this.clock();
    const { topic, toIntegration } = this.options;
    return this.repository.handle(this.options.streamId(user.id), (state) => decide(state, now), {
      metadata: options.metadata,
      uniqueKeys: options.uniqueKeys,
      toOutbox: (recorded) =>
        recorded.map((event) =>
          integrationMessage(event, topic, {
            ...toIntegration({ type: event.type, data: event.data } as E),
            storeId: store.id,
            userId: user.id,
          }),
        ),
    });
  }
}
