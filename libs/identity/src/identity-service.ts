import { randomUUID } from 'node:crypto';
import {
  conflict,
  DomainError,
  type DistributiveOmit,
  notFound,
  type Store,
  type StoreEvent,
  identityEvents,
  topics,
  type UserEvent,
  type UserRecord,
  type UserStatus,
} from '@identity-store/contracts';
import {
  AggregateRepository,
  type EventMetadata,
  integrationMessage,
  type PostgresEventStore,
  type PendingEvent,
  UniqueKeyTakenError,
} from '@identity-store/event-store';
import type { IdentityQueries, UserRef } from '@identity-store/service-clients';
import { IdentityReadModels, storeNameKey, userExtIdKey } from './data/identity-store-data';
import { attributeValidator } from './domain/attribute-schema';
import { storeSnapshot, userSnapshot } from './domain/identity-snapshots';
import {
  decideStore,
  evolveStore,
  initialStoreState,
  type StoreCommand,
  type StorePolicies,
  storeStreamId,
} from './domain/store-decider';
import { decideUser, evolveUser, initialUserState, type UserCommand, userStreamId } from './domain/user-decider';

// Identity events carry no secrets: the integration event is the stored one, at its schema version.
const storeMessages = (recorded: PendingEvent<StoreEvent>[]) =>
  recorded.map((event) =>
    integrationMessage(event, topics.identity, {
      type: event.type,
      version: identityEvents[event.type].version,
      data: event.data,
      storeId: event.data.storeId,
    }),
  );

const userMessages = (recorded: PendingEvent<UserEvent>[]) =>
  recorded.map((event) =>
    integrationMessage(event, topics.identity, {
      type: event.type,
      version: identityEvents[event.type].version,
      data: event.data,
      storeId: event.data.storeId,
      userId: event.data.userId,
    }),
  );

/** Short-lived memo of lookups other services make on every request (store policies, users). */
class TtlCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();
  constructor(private readonly ttlMs: number) {}
  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = await load();
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
    if (this.entries.size > 100_000) this.entries.clear();
    return value;
  }
  clear(): void {
    this.entries.clear();
  }
}

export interface Versioned<T> {
  value: T;
  version: number;
}

/**
 * The identity service's application layer: stores (with their policies) and users. Each command
 * loads the aggregate, decides, and appends with the expected version; the inline projection keeps
 * the lookup documents in the same transaction.
 */
export class IdentityService implements IdentityQueries {
  readonly readModels: IdentityReadModels;
  private readonly stores: AggregateRepository<ReturnType<typeof initialStoreState>, StoreEvent>;
  private readonly users: AggregateRepository<ReturnType<typeof initialUserState>, UserEvent>;
  private readonly lookups: TtlCache<unknown>;

  constructor(
    private readonly eventStore: PostgresEventStore,
    private readonly clock: () => Date = () => new Date(),
    lookupTtlMs = 1_000,
  ) {
    this.readModels = new IdentityReadModels(eventStore.prisma);
    this.stores = new AggregateRepository(eventStore, {
      initialState: initialStoreState,
      evolve: evolveStore,
      snapshot: storeSnapshot,
    });
    this.users = new AggregateRepository(eventStore, {
      initialState: initialUserState,
      evolve: evolveUser,
      snapshot: userSnapshot,
    });
    this.lookups = new TtlCache(lookupTtlMs);
  }

  // ---- queries (also served to other services) ---------------------------------------------

  getStoreByName(storeName: string): Promise<Store | null> {
    return this.lookups.get(`store:${storeName}`, () => this.readModels.storeByName(storeName)) as Promise<Store | null>;
  }

  getUser(storeId: string, ref: UserRef): Promise<UserRecord | null> {
    const key = 'extId' in ref ? `ext:${storeId}/${ref.extId}` : `user:${storeId}/${ref.userId}`;
    return this.lookups.get(key, async () => {
      const userId = 'extId' in ref ? await this.readModels.userIdByExtId(storeId, ref.extId) : ref.userId;
      return userId ? this.readModels.user(storeId, userId) : null;
    }) as Promise<UserRecord | null>;
  }

  async requireStore(storeName: string): Promise<Versioned<Store>> {
    const storeId = await this.readModels.storeIdByName(storeName);
    if (!storeId) throw notFound('STORE_NOT_FOUND', `Store ${storeName} does not exist.`);
    const { state, version } = await this.stores.load(storeStreamId(storeId));
    if (!state.store || state.deleted) throw notFound('STORE_NOT_FOUND', `Store ${storeName} does not exist.`);
    return { value: state.store, version };
  }

  async requireUser(storeName: string, ref: UserRef): Promise<Versioned<UserRecord> & { store: Store }> {
    const { value: store } = await this.requireStore(storeName);
    const userId = 'extId' in ref ? await this.readModels.userIdByExtId(store.id, ref.extId) : ref.userId;
    const loaded = userId ? await this.users.load(userStreamId(userId)) : undefined;
    const user = loaded?.state.user;
    if (!loaded || !user || loaded.state.deleted || user.storeId !== store.id)
      throw notFound('USER_NOT_FOUND', `User ${'extId' in ref ? ref.extId : ref.userId} does not exist in store ${storeName}.`);
    return { value: user, version: loaded.version, store };
  }

  // ---- store commands ------------------------------------------------------------------------

  async createStore(
    input: { name: string; description?: string; attributeSchema: Record<string, unknown> | null } & StorePolicies,
    metadata: EventMetadata,
  ): Promise<Versioned<Store>> {
    const storeId = randomUUID();
    try {
      return await this.runStore(storeId, { type: 'CreateStore', storeId, ...input, now: this.clock() }, metadata);
    } catch (error) {
      if (error instanceof UniqueKeyTakenError) throw conflict('STORE_EXISTS', `Store ${input.name} already exists.`);
      throw error;
    }
  }

  async changeStore(
    storeName: string,
    command: DistributiveOmit<Exclude<StoreCommand, { type: 'CreateStore' }>, 'now'>,
    metadata: EventMetadata,
    ifMatch?: number,
  ): Promise<Versioned<Store>> {
    const { value: store, version } = await this.requireStore(storeName);
    if (ifMatch !== undefined && ifMatch !== version) throw preconditionFailed(version);
    return this.runStore(store.id, { ...command, now: this.clock() } as StoreCommand, metadata);
  }

  private async runStore(
    storeId: string,
    command: StoreCommand,
    metadata: EventMetadata,
  ): Promise<Versioned<Store>> {
    const result = await this.stores.handle(storeStreamId(storeId), (state) => decideStore(command, state), {
      metadata,
      toOutbox: storeMessages,
      // A store's name is unique while the store exists.
      uniqueKeys: (events) => ({
        claim: events.flatMap((e) => (e.type === 'StoreCreated' ? [storeNameKey(e.data.name)] : [])),
        release: events.flatMap((e) => (e.type === 'StoreDeleted' ? [storeNameKey(e.data.name)] : [])),
      }),
      project: async (tx, after) => {
        if (after.deleted || !after.store) await this.readModels.deleteStore(tx, storeId);
        else await this.readModels.putStore(tx, after.store);
      },
    });
    this.lookups.clear();
    if (!result.state.store) throw notFound('STORE_NOT_FOUND', 'Store does not exist.');
    return { value: result.state.store, version: result.version };
  }

  // ---- user commands -------------------------------------------------------------------------

  async createUser(
    storeName: string,
    input: { extId: string; status: UserStatus; attributes: Record<string, unknown> },
    metadata: EventMetadata,
  ): Promise<Versioned<UserRecord>> {
    const { value: store } = await this.requireStore(storeName);
    const userId = randomUUID();
    return this.runUser(store, userId, { type: 'CreateUser', userId, storeId: store.id, ...input, now: this.clock() }, metadata);
  }

  async changeUser(
    storeName: string,
    ref: UserRef,
    command: DistributiveOmit<Exclude<UserCommand, { type: 'CreateUser' }>, 'now'>,
    metadata: EventMetadata,
    ifMatch?: number,
  ): Promise<Versioned<UserRecord>> {
    const { value: user, version, store } = await this.requireUser(storeName, ref);
    if (ifMatch !== undefined && ifMatch !== version) throw preconditionFailed(version);
    return this.runUser(store, user.id, { ...command, now: this.clock() } as UserCommand, metadata);
  }

  private async runUser(store: Store, userId: string, command: UserCommand, metadata: EventMetadata) {
    const validate = attributeValidator(store.attributeSchema);
    try {
      const result = await this.users.handle(userStreamId(userId), (state) => decideUser(command, state, validate), {
        metadata,
        toOutbox: userMessages,
        uniqueKeys: (events, before) => {
          const claim = [];
          const release = [];
          for (const event of events) {
            if (event.type === 'UserCreated') claim.push(userExtIdKey(store.id, event.data.extId));
            if (event.type === 'UserUpdated' && event.data.extId && before.user) {
              claim.push(userExtIdKey(store.id, event.data.extId));
              release.push(userExtIdKey(store.id, before.user.extId));
            }
            if (event.type === 'UserDeleted') release.push(userExtIdKey(store.id, event.data.extId));
          }
          return { claim, release };
        },
        project: async (tx, after) => {
          if (after.deleted || !after.user) await this.readModels.deleteUser(tx, userId);
          else await this.readModels.putUser(tx, after.user);
        },
      });
      this.lookups.clear();
      if (!result.state.user) throw notFound('USER_NOT_FOUND', 'User does not exist.');
      return { value: result.state.user, version: result.version };
    } catch (error) {
      if (error instanceof UniqueKeyTakenError)
        throw conflict('USER_EXISTS', `A user with this extId already exists in store ${store.name}.`);
      throw error;
    }
  }
}

const preconditionFailed = (version: number) =>
  new DomainError('precondition-failed', 'PRECONDITION_FAILED', `The resource is at version ${version}; If-Match did not match.`);
