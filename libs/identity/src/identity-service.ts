import { randomUUID } from 'node:crypto';
import {
  type BiometricPolicy,
  conflict,
  DomainError,
  type DistributiveOmit,
  type EncryptedPushCredentials,
  notFound,
  ownEntry,
  type PushNotificationPolicyInput,
  type Store,
  type UserRecord,
  type UserStatus,
} from '@identity-store/contracts';
import type { SecretBox } from '@identity-store/crypto';
import { type PageQuery, pageOfItems, parseSort } from '@identity-store/contracts';
import {
  CommandHandler,
  type EventMetadata,
  type EventStore,
  PostgresEventStore,
  type PrismaTx,
  UniqueKeyTakenError,
} from '@identity-store/event-store';
import type { IdentityQueries, PushCredentialQueries, UserRef } from '@identity-store/service-clients';
import { storeMessages, userMessages } from './data/identity-outbox';
import { type IdentityDocuments, IdentityReadModels, storeNameKeys, userExtIdKeys } from './data/identity-store-data';
import { LookupCache } from './data/lookup-cache';
import { attributeValidator } from './domain/attribute-schema';
import { storeSnapshot, userSnapshot } from './domain/identity-snapshots';
import {
  policyNotFound,
  type StoreEvent,
  type StorePolicyKind,
  type StoreRecord,
  storeStreamId,
  type StoreState,
} from './domain/store';
import { type StoreCommand, storeDecider } from './domain/store-decider';
import {
  pushCredentialsOf,
  storeDocumentView,
  storePolicyResource,
  type StorePolicyViewOf,
  storeRecord,
  storeView,
} from './domain/store-views';
import { type UserEvent, type UserState, userStreamId } from './domain/user';
import { type UncheckedUserCommand, userDecider, withAttributeProblems } from './domain/user-decider';
import { userRecord } from './domain/user-views';
import {
  type KindedStorePolicyInput,
  openedPushPolicy,
  storedPolicies,
  storedPolicy,
  type StorePolicyInputs,
} from './store-policy-inputs';

export interface Versioned<T> {
  value: T;
  version: number;
}

/** What a write request brings: its event metadata and, for a change, the version it expects (If-Match). */
export interface WriteRequest {
  metadata: EventMetadata;
  ifMatch?: number;
}

/** Where the service keeps its events and documents (in memory for unit specs: ./testing/in-memory-identity.ts). */
export interface IdentityStorage<Tx, ReadModels extends IdentityDocuments<Tx>> {
  eventStore: EventStore<Tx>;
  readModels: ReadModels;
}

export type NewStore = {
  name: string;
  description?: string;
  attributeSchema: Record<string, unknown> | null;
  /** Whole; null or left out: none (the defaults apply). */
  biometricPolicy?: BiometricPolicy | null;
} & Partial<StorePolicyInputs>;
/** A change of a store as a request gives it (policies as requests give them: see store-policy-inputs.ts). */
export type StoreChange =
  | ({
      type: 'UpdateStore';
      description?: string | null;
      attributeSchema?: Record<string, unknown> | null;
      /** Replaces the biometric policy as a whole; null removes it. */
      biometricPolicy?: BiometricPolicy | null;
    } & Partial<StorePolicyInputs>)
  | { type: 'DeleteStore' }
  | ({ type: 'SetPolicy'; mode: 'create' | 'update' } & KindedStorePolicyInput)
  /** `name`: the key of the policy (a configuration's or push policy's rpId). */
  | { type: 'RemovePolicy'; kind: StorePolicyKind; name: string }
  /** The whole biometric policy (the API merged a partial request into the effective one). */
  | { type: 'SetBiometricPolicy'; policy: BiometricPolicy }
  | { type: 'RemoveBiometricPolicy' };
export type NewUser = { extId: string; status: UserStatus; attributes: Record<string, unknown> };
export type UserChange = DistributiveOmit<Exclude<UncheckedUserCommand, { type: 'CreateUser' }>, 'metadata'>;

/**
 * The identity service's application layer: stores (with their policies) and users. Each command
 * loads the aggregate, decides, and appends with the expected version; the inline projection keeps
 * the lookup documents in the same transaction. Push notification policies' private keys are
 * encrypted here (`secrets`, SECRETS_KEY) before the decider sees them, and served only as
 * ciphertext (PushCredentialQueries, to the appkey service).
 */
// The default ReadModels is IdentityReadModels (on PostgreSQL); written as an intersection so that
// the default meets the constraint for any Tx.
export class IdentityService<
  Tx = PrismaTx,
  ReadModels extends IdentityDocuments<Tx> = IdentityDocuments<Tx> & IdentityReadModels,
>
  implements IdentityQueries, PushCredentialQueries
{
  readonly readModels: ReadModels;
  private readonly stores: CommandHandler<StoreState, StoreEvent, Tx>;
  private readonly users: CommandHandler<UserState, UserEvent, Tx>;
  private readonly lookups: LookupCache;

  /**
   * On PostgreSQL given its event store (the defaults of Tx and ReadModels), or on any storage.
   * `lookups`: the in-memory lookups (see LookupCache): how long an entry lives (default 2 s: how
   * long another instance's write may stay unseen here) and how many are kept.
   */
  constructor(
    storage: PostgresEventStore | IdentityStorage<Tx, ReadModels>,
    private readonly secrets: SecretBox,
    /** The decisions' clock, also the time users are shown at (summaryInfo's lock status). */
    readonly clock: () => Date = () => new Date(),
    lookups: { ttlMs?: number; max?: number } = {},
  ) {
    const { eventStore, readModels } =
      storage instanceof PostgresEventStore
        ? // Only with the defaults (Tx = PrismaTx, ReadModels = IdentityReadModels): a PostgresEventStore is no other storage.
          ({ eventStore: storage, readModels: new IdentityReadModels(storage.prisma) } as unknown as IdentityStorage<Tx, ReadModels>)
        : storage;
    this.readModels = readModels;
    this.stores = new CommandHandler(eventStore, { ...storeDecider, snapshot: storeSnapshot });
    this.users = new CommandHandler(eventStore, { ...userDecider, snapshot: userSnapshot });
    this.lookups = new LookupCache({ ttlMs: lookups.ttlMs ?? 2_000, max: lookups.max ?? 50_000 });
  }

  // ---- queries (also served to other services) ---------------------------------------------

  async getStoreByName(storeName: string): Promise<Store | null> {
    const store = (await this.storeNamed(storeName))?.value;
    return store ? storeView(store) : null;
  }

  /** A push notification policy's credentials, the private keys as ciphertext (for the appkey service). */
  async getPushCredentials(storeId: string, rpId: string): Promise<EncryptedPushCredentials | null> {
    const store = (await this.storeWithId(storeId))?.value;
    const policy = store && ownEntry(store.pushNotificationPolicies, rpId);
    return policy ? pushCredentialsOf(policy) : null;
  }

  async getUser(storeId: string, ref: UserRef): Promise<UserRecord | null> {
    const user = ('extId' in ref ? await this.userByExtId(storeId, ref.extId) : await this.userWithId(ref.userId))?.value;
    // A user of another store is not found here: stores are isolated.
    return user && user.storeId === storeId ? user : null;
  }

  /**
   * The store for an answer (from the lookups), or — `fresh`, for a command — as stored now: a
   * command decides and checks If-Match on the current version, not on what another instance's write
   * may have left stale here.
   */
  async requireStore(storeName: string, { fresh = false } = {}): Promise<Versioned<Store>> {
    const { value, version } = await this.requireStoreRecord(storeName, { fresh });
    return { value: storeView(value), version };
  }

  /** The store as its stream holds it (push policies with their encrypted keys); see requireStore. */
  private async requireStoreRecord(storeName: string, { fresh = false } = {}): Promise<Versioned<StoreRecord>> {
    const store = fresh ? await this.loadStore(storeName) : await this.storeNamed(storeName);
    if (!store) throw notFound('STORE_NOT_FOUND', `Store ${storeName} does not exist.`);
    return store;
  }

  /** The user for an answer, or as stored now (`fresh`, for a command; see requireStore). */
  async requireUser(
    storeName: string,
    ref: UserRef,
    { fresh = false } = {},
  ): Promise<Versioned<UserRecord> & { store: Store }> {
    const { value: store } = await this.requireStore(storeName, { fresh });
    const user = fresh
      ? await this.loadUser('extId' in ref ? await this.readModels.userIdByExtId(store.id, ref.extId) : ref.userId)
      : 'extId' in ref
        ? await this.userByExtId(store.id, ref.extId)
        : await this.userWithId(ref.userId);
    if (!user || user.value.storeId !== store.id)
      throw notFound('USER_NOT_FOUND', `User ${'extId' in ref ? ref.extId : ref.userId} does not exist in store ${storeName}.`);
    return { ...user, store };
  }

  // ---- lookups kept in memory (see LookupCache; written through by the commands below) -------

  private storeNamed(storeName: string): Promise<Versioned<StoreRecord> | null> {
    return this.lookups.get(storeKey(storeName), () => this.loadStore(storeName));
  }

  private storeWithId(storeId: string): Promise<Versioned<StoreRecord> | null> {
    return this.lookups.get(storeIdKey(storeId), () => this.loadStoreWithId(storeId));
  }

  private async loadStore(storeName: string): Promise<Versioned<StoreRecord> | null> {
    const storeId = await this.readModels.storeIdByName(storeName);
    return storeId ? this.loadStoreWithId(storeId) : null;
  }

  private async loadStoreWithId(storeId: string): Promise<Versioned<StoreRecord> | null> {
    const loaded = await this.stores.load(storeStreamId(storeId));
    const store = storeRecord(loaded.state);
    return store ? { value: store, version: loaded.version } : null;
  }

  private userWithId(userId: string): Promise<Versioned<UserRecord> | null> {
    return this.lookups.get(userKey(userId), () => this.loadUser(userId));
  }

  private async loadUser(userId: string | null): Promise<Versioned<UserRecord> | null> {
    if (!userId) return null;
    const loaded = await this.users.load(userStreamId(userId));
    const user = userRecord(loaded.state);
    return user ? { value: user, version: loaded.version } : null;
  }

  /**
   * The user holding an extId. A kept extId → id entry goes stale when the user changes its extId
   * (the commit writes the new one through, and knows nothing of the old): a user found by it that
   * no longer holds the extId sends the lookup to the database.
   */
  private async userByExtId(storeId: string, extId: string): Promise<Versioned<UserRecord> | null> {
    const key = extIdKey(storeId, extId);
    const byId = async (userId: string | null) => {
      const user = userId ? await this.userWithId(userId) : null;
      return user && user.value.extId === extId ? user : undefined;
    };
    const kept = await byId(await this.lookups.get(key, () => this.readModels.userIdByExtId(storeId, extId)));
    if (kept !== undefined) return kept;
    this.lookups.forget(key);
    return (await byId(await this.lookups.get(key, () => this.readModels.userIdByExtId(storeId, extId)))) ?? null;
  }

  // ---- store commands ------------------------------------------------------------------------

  async createStore(input: NewStore, request: WriteRequest): Promise<Versioned<Store>> {
    const storeId = randomUUID();
    const { name, description, attributeSchema, biometricPolicy } = input;
    const command: StoreCommand = {
      type: 'CreateStore',
      storeId,
      name,
      description,
      attributeSchema,
      biometricPolicy,
      ...storedPolicies(this.secrets, { id: storeId, name }, input),
      metadata: this.now(),
    };
    try {
      return await this.saveStore(storeId, command, request);
    } catch (error) {
      if (error instanceof UniqueKeyTakenError) throw conflict('STORE_EXISTS', `Store ${input.name} already exists.`);
      throw error;
    }
  }

  async changeStore(storeName: string, change: StoreChange, request: WriteRequest): Promise<Versioned<Store>> {
    const { value: store, version } = await this.requireStoreRecord(storeName, { fresh: true });
    requireVersion(request, version);
    return this.saveStore(store.id, this.storeCommand(store, change), request);
  }

  /** The decider's command of a change: its policies as the stream holds them (keys encrypted). */
  private storeCommand(store: StoreRecord, change: StoreChange): StoreCommand {
    const metadata = this.now();
    switch (change.type) {
      case 'UpdateStore': {
        const { type, description, attributeSchema, biometricPolicy } = change;
        return { type, description, attributeSchema, biometricPolicy, ...storedPolicies(this.secrets, store, change), metadata };
      }
      case 'SetPolicy':
        return { type: 'SetPolicy', mode: change.mode, ...storedPolicy(this.secrets, store, change), metadata };
      case 'DeleteStore':
      case 'RemovePolicy':
      case 'SetBiometricPolicy':
      case 'RemoveBiometricPolicy':
        return { ...change, metadata };
    }
  }

  private async saveStore(storeId: string, command: StoreCommand, { metadata }: WriteRequest): Promise<Versioned<Store>> {
    const result = await this.stores.handle(storeStreamId(storeId), (state) => storeDecider.decide(command, state), {
      metadata,
      toOutbox: storeMessages,
      uniqueKeys: storeNameKeys,
      project: async (tx, after) => {
        if (after.deleted || !after.store) await this.readModels.deleteStore(tx, storeId);
        else await this.readModels.putStore(tx, storeView(after.store));
      },
    });
    const store = result.state.store;
    if (result.state.deleted) this.lookups.clear(); // its users' lookups go too (rare)
    else if (store) {
      const kept = { value: store, version: result.version };
      this.lookups.put(storeKey(store.name), kept);
      this.lookups.put(storeIdKey(store.id), kept);
    }
    if (!store) throw notFound('STORE_NOT_FOUND', 'Store does not exist.');
    return { value: storeView(store), version: result.version };
  }

  // ---- user commands -------------------------------------------------------------------------

  async createUser(storeName: string, input: NewUser, request: WriteRequest): Promise<Versioned<UserRecord>> {
    const { value: store } = await this.requireStore(storeName, { fresh: true });
    const userId = randomUUID();
    const command: UncheckedUserCommand = { type: 'CreateUser', userId, storeId: store.id, ...input, metadata: this.now() };
    return this.saveUser(store, userId, command, request);
  }

  async changeUser(storeName: string, ref: UserRef, change: UserChange, request: WriteRequest): Promise<Versioned<UserRecord>> {
    const { value: user, version, store } = await this.requireUser(storeName, ref, { fresh: true });
    requireVersion(request, version);
    return this.saveUser(store, user.id, { ...change, metadata: this.now() }, request);
  }

  private async saveUser(store: Store, userId: string, unchecked: UncheckedUserCommand, { metadata }: WriteRequest) {
    const command = withAttributeProblems(unchecked, attributeValidator(store.attributeSchema));
    try {
      const result = await this.users.handle(userStreamId(userId), (state) => userDecider.decide(command, state), {
        metadata,
        toOutbox: userMessages,
        uniqueKeys: (events, before) => userExtIdKeys(store.id, events, before),
        project: async (tx, after) => {
          if (after.deleted || !after.user) await this.readModels.deleteUser(tx, userId);
          else await this.readModels.putUser(tx, after.user);
        },
      });
      this.writeUserThrough(store.id, userId, result.state, result.version);
      if (!result.state.user) throw notFound('USER_NOT_FOUND', 'User does not exist.');
      return { value: result.state.user, version: result.version };
    } catch (error) {
      if (error instanceof UniqueKeyTakenError)
        throw conflict('USER_EXISTS', `A user with this extId already exists in store ${store.name}.`);
      throw error;
    }
  }

  /** The committed user into the lookups: by id, and by the extId it holds now (see userByExtId for an old one). */
  private writeUserThrough(storeId: string, userId: string, state: UserState, version: number) {
    const user = userRecord(state);
    this.lookups.put(userKey(userId), user ? { value: user, version } : null);
    if (user) this.lookups.put(extIdKey(storeId, user.extId), userId);
  }

  private now() {
    return { now: this.clock() };
  }

  /** A store's policy of a kind by its key, as shown (404 for an unknown store or policy). */
  async policyOf<K extends StorePolicyKind>(
    storeName: string,
    kind: K,
    key: string,
    { fresh = false } = {},
  ): Promise<StorePolicyViewOf[K]> {
    const { value: store } = await this.requireStore(storeName, { fresh });
    return storePolicyResource(store, kind, key);
  }

  /**
   * A push notification policy as stored now, as a request would give it (its keys decrypted): what
   * an update applies to before the whole is checked again (404 for an unknown store or policy).
   */
  async pushPolicyInput(storeName: string, rpId: string): Promise<PushNotificationPolicyInput> {
    const { value: store } = await this.requireStoreRecord(storeName, { fresh: true });
    const policy = ownEntry(store.pushNotificationPolicies, rpId);
    if (!policy) throw policyNotFound('push', rpId);
    return openedPushPolicy(this.secrets, store, policy);
  }

  /** A page of stores: every store, or only the listed ones (a store-restricted key's). */
  async listStores(allowed: readonly string[] | null, query: PageQuery, sortFields: readonly string[]) {
    const page = await this.storeDocuments(allowed, query, sortFields);
    return { ...page, content: page.content.map(storeDocumentView) };
  }

  private async storeDocuments(allowed: readonly string[] | null, query: PageQuery, sortFields: readonly string[]) {
    const sort = parseSort(query.sort, sortFields);
    if (allowed === null) return this.readModels.storesPage({ page: query.page, size: query.size, sort });
    const stores = (await Promise.all(allowed.map((name) => this.readModels.storeByName(name)))).filter(
      (store): store is Store => store !== null,
    );
    const ordered = sort
      ? stores.sort((a, b) => String(a[sort.field as keyof Store]).localeCompare(String(b[sort.field as keyof Store])) * (sort.direction === 'desc' ? -1 : 1))
      : stores;
    return pageOfItems(ordered, query);
  }

  /** A page of a store's users (404 for an unknown store). */
  async listUsers(storeName: string, query: PageQuery, sortFields: readonly string[]) {
    const { value: store } = await this.requireStore(storeName);
    const sort = parseSort(query.sort, sortFields);
    return this.readModels.usersPage(store.id, { page: query.page, size: query.size, sort });
  }
}

const storeKey = (storeName: string) => `store:${storeName}`;
const storeIdKey = (storeId: string) => `store-id:${storeId}`;
const userKey = (userId: string) => `user:${userId}`;
const extIdKey = (storeId: string, extId: string) => `ext:${storeId}/${extId}`;

/** A change names the version it was made against (If-Match) or none. */
const requireVersion = ({ ifMatch }: WriteRequest, version: number) => {
  if (ifMatch !== undefined && ifMatch !== version)
    throw new DomainError('precondition-failed', 'PRECONDITION_FAILED', `The resource is at version ${version}; If-Match did not match.`);
};
