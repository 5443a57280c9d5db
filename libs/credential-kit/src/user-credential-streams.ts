import { randomUUID } from 'node:crypto';
import {
  emptySummaryInfo,
  forbidden,
  type IntegrationEvent,
  notFound,
  type Store,
  type StoredEvent,
  type SummaryInfo,
  type UserRecord,
} from '@identity-store/contracts';
import {
  CommandHandler,
  type CommandHandlerOptions,
  type EventMetadata,
  type EventStore,
  type Evolver,
  type ExpiredKey,
  integrationMessage,
  type PendingEvent,
  type RecordedEvent,
} from '@identity-store/event-store';
import { markSummaryStale } from '@identity-store/http-kit';
import { summaryAfter } from '@identity-store/projections';
import {
  type IdentityQueries,
  type ProjectedSummary,
  resolveStoreAndUser,
  type SummaryQueries,
  toUserView,
  type UserRef,
} from '@identity-store/service-clients';
import { type HeldKeys, heldKeyChanges } from './held-keys';
import type { ExpiringSessions } from './session-sweeper';

/** Credential ceremonies need the user ACTIVE (else 403 USER_NOT_ACTIVE). */
export const requireActiveUser = (user: UserRecord): void => {
  if (user.status !== 'ACTIVE') throw forbidden('USER_NOT_ACTIVE', `User is ${user.status}.`);
};

type IntegrationForm = { type: string; version: number; data: Record<string, unknown> };

export interface UserCredentialStreamsOptions<State, E extends StoredEvent> extends Evolver<State, E> {
  /** The user's stream, e.g. `totp-user-<userId>`. */
  streamId: (userId: string) => string;
  /** The inverse of `streamId`: the user of a stream, undefined for streams of another kind. */
  userIdOfStream?: (streamId: string) => string | undefined;
  /** The topic the stream's integration events are published to. */
  topic: string;
  /**
   * The published form of a stored event: must drop every secret (and capabilities such as session
   * ids). Every stored event is published, so that consumers see each stream's versions without
   * holes (they apply version n+1 only after n; README "Events for consumers").
   */
  toIntegration: (event: E) => IntegrationForm;
  /** The decisions' clock (tests inject one). */
  clock?: () => Date;
  /**
   * Unique keys the state holds, by scope (see HeldKeys): e.g. the ids of open ceremony sessions,
   * which complete on store-level paths that name no user, so `streamHolding` finds their stream.
   */
  heldKeys?: HeldKeys<State>;
  /**
   * The family's open ceremony sessions, for the session sweeper: the `heldKeys` scope of their ids
   * (held with their expiry), the decision closing those expired at `now` (none: no events), and the
   * store they belong to (the published events' envelope).
   */
  sessions?: {
    scope: string;
    expire: (state: State, now: Date) => E[];
    storeIdOf: (state: State) => string | undefined;
  };
  /** Told about ignored snapshots (see CommandHandler). */
  logger?: CommandHandlerOptions['logger'];
}

export interface DecideOptions {
  metadata: EventMetadata;
}

/**
 * What a credential service does around its decider: one aggregate per user, looked up through the
 * identity service; decisions appended with their integration messages (and the unique keys of the
 * sessions they open and close) in the same transaction; answers showing the user as the audit
 * projection sees it after the request's own events (read-your-writes).
 */
export class UserCredentialStreams<State, E extends StoredEvent> implements ExpiringSessions {
  private readonly handler: CommandHandler<State, E, unknown>;
  readonly clock: () => Date;
  readonly name: string;

  constructor(
    // Any EventStore: PostgresEventStore in the services, InMemoryEventStore in unit specs.
    private readonly eventStore: EventStore<unknown>,
    private readonly identity: IdentityQueries,
    private readonly summaries: SummaryQueries,
    private readonly options: UserCredentialStreamsOptions<State, E>,
  ) {
    this.handler = new CommandHandler(eventStore, options, { logger: options.logger });
    this.clock = options.clock ?? (() => new Date());
    this.name = options.sessions?.scope ?? options.topic;
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

  load(userId: string): Promise<State> {
    return this.loadStream(this.options.streamId(userId));
  }

  async loadStream(streamId: string): Promise<State> {
    return (await this.handler.load(streamId)).state;
  }

  /** The store of a store-level request (404 STORE_NOT_FOUND). */
  async requireStore(storeName: string): Promise<Store> {
    const store = await this.identity.getStoreByName(storeName);
    if (!store) throw notFound('STORE_NOT_FOUND', `Store ${storeName} does not exist.`);
    return store;
  }

  /** The stream whose state holds a key of `heldKeys` (e.g. an open session's id), or null. */
  streamHolding(scope: string, key: string): Promise<string | null> {
    return this.eventStore.streamHolding(scope, key);
  }

  /** The user (of `store`) whose stream `streamId` is; null for another kind of stream or another store's user. */
  async userOfStream(store: Store, streamId: string | null): Promise<UserRecord | null> {
    const userId = streamId === null ? undefined : this.options.userIdOfStream?.(streamId);
    return userId === undefined ? null : this.identity.getUser(store.id, { userId });
  }

  /**
   * The user as a write answers with them: summaryInfo as the audit projection will show it once it
   * has applied the request's own events, without waiting for it. The last projected summary and
   * how far into the user's stream it is are read in one snapshot; the stream's events after that
   * version (earlier writes still in the pipeline, then this request's) are folded into it by the
   * projection code the audit runs (`summaryAfter`), in their published form. The events are
   * committed by now: when the summary cannot be read, the fold starts from an empty summary and the
   * whole stream, and the answer is marked `Summary-Status: stale` (other families' groups and
   * lastAuthentication of other families are missing), never an error.
   */
  async userView(user: UserRecord, appended: RecordedEvent[] = []) {
    const streamId = this.options.streamId(user.id);
    const own = appended.filter((event) => event.streamId === streamId);
    return toUserView(user, await this.summaryAfterOwnEvents(user, streamId, own), this.clock());
  }

  private async summaryAfterOwnEvents(user: UserRecord, streamId: string, own: RecordedEvent[]): Promise<SummaryInfo> {
    let projected: ProjectedSummary;
    try {
      projected = await this.summaries.getProjectedSummary(user.id, streamId);
    } catch (error) {
      markSummaryStale(error);
      projected = { summaryInfo: emptySummaryInfo(), streamVersion: 0 };
    }
    const first = own[0]?.streamVersion;
    const last = own.at(-1)?.streamVersion;
    // Nothing of ours to add, or the projection already has it (and possibly more).
    if (first === undefined || last === undefined || projected.streamVersion >= last) return projected.summaryInfo;
    const notYetProjected =
      projected.streamVersion < first - 1
        ? (await this.eventStore.readStream<E>(streamId, projected.streamVersion)).filter((e) => e.streamVersion < first)
        : [];
    const envelope = { storeId: user.storeId, userId: user.id };
    const events = [...notYetProjected, ...own.filter((e) => e.streamVersion > projected.streamVersion)];
    return summaryAfter(
      projected.summaryInfo,
      events.map((event) => this.publishedForm(event as RecordedEvent<E>, envelope)),
    );
  }

  /** An event as consumers receive it (the outbox message's value, parsed like the audit parses it). */
  private publishedForm(event: RecordedEvent<E>, envelope: Envelope): IntegrationEvent {
    return JSON.parse(this.outboxMessage(event, envelope).value) as IntegrationEvent;
  }

  /** The outbox message of an event: its integration form in the documented envelope. */
  private outboxMessage(event: PendingEvent<E>, envelope: Envelope) {
    const { topic, toIntegration } = this.options;
    return integrationMessage(event, topic, { ...toIntegration({ type: event.type, data: event.data } as E), ...envelope });
  }

  /**
   * Decides on the user's aggregate at `clock()` and appends the events with their integration
   * messages (enveloped with the store and user ids). On a concurrent write `decide` runs again on
   * the fresh state (same `now`), so it must not have effects of its own.
   */
  decide(store: Store, user: UserRecord, decide: (state: State, now: Date) => E[], options: DecideOptions) {
    return this.decideOnStream(
      this.options.streamId(user.id),
      { storeId: store.id, userId: user.id },
      decide,
      options,
    );
  }

  /**
   * `decide` on a stream of this service that is not (yet) a user's, e.g. a ceremony that starts
   * before anyone knows the user: its messages carry the store id and, if known, the user id.
   */
  decideOnStream(
    streamId: string,
    envelope: Envelope,
    decide: (state: State, now: Date) => E[],
    options: DecideOptions,
  ) {
    return this.append(streamId, () => envelope, decide, this.clock(), options.metadata);
  }

  /**
   * The session sweeper's part (see SessionSweeper): every stream holding a session key that had
   * expired at `clock()` gets the family's "sessions expired" decision, which releases the keys in
   * its append. Another instance sweeping the same stream at once makes the retried decision empty.
   */
  async sweepExpiredSessions({
    batchSize,
    onStreamError,
  }: Parameters<ExpiringSessions['sweepExpiredSessions']>[0]): Promise<number> {
    const { sessions, userIdOfStream } = this.options;
    if (!sessions) return 0;
    const now = this.clock();
    const metadata = { correlationId: randomUUID() };
    const envelopeOf = (streamId: string) => (state: State) => {
      const storeId = sessions.storeIdOf(state);
      const userId = userIdOfStream?.(streamId);
      return storeId === undefined ? undefined : { storeId, ...(userId !== undefined ? { userId } : {}) };
    };
    let changed = 0;
    let after: ExpiredKey | undefined;
    for (;;) {
      const expired = await this.eventStore.expiredKeys(sessions.scope, now, batchSize, after);
      for (const streamId of new Set(expired.map((key) => key.streamId))) {
        try {
          const { events } = await this.append(
            streamId,
            envelopeOf(streamId),
            sessions.expire,
            now,
            metadata,
          );
          if (events.length) changed++;
        } catch (error) {
          onStreamError(streamId, error);
        }
      }
      if (expired.length < batchSize) return changed;
      after = expired.at(-1);
    }
  }

  /**
   * Decides on the stream at `now` and appends: the events with the unique keys they claim and
   * release and their integration messages, enveloped as `envelopeOf` says for the state decided on.
   */
  private append(
    streamId: string,
    envelopeOf: (state: State) => Envelope | undefined,
    decide: (state: State, now: Date) => E[],
    now: Date,
    metadata: EventMetadata,
  ) {
    const { heldKeys, evolve } = this.options;
    let envelope: Envelope = { storeId: '' };
    return this.handler.handle(
      streamId,
      (state) => {
        const decided = decide(state, now);
        const of = envelopeOf(state);
        if (decided.length && !of) throw new Error(`no store to publish the events of ${streamId} for`);
        if (of) envelope = of;
        return decided;
      },
      {
        metadata,
        uniqueKeys:
          heldKeys && ((decided, before) => heldKeyChanges(heldKeys, before, decided.reduce(evolve, before))),
        toOutbox: (recorded) => recorded.map((event) => this.outboxMessage(event, envelope)),
      },
    );
  }
}

/** What the published events of a stream are enveloped with. */
type Envelope = { storeId: string; userId?: string };
