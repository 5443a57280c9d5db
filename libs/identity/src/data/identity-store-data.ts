import type { Store, UserRecord } from '@identity-store/contracts';
import type { StoreEvent } from '../domain/store';
import type { UserEvent, UserState } from '../domain/user';
import { DocumentStore, type Page, type PageRequest, type PrismaClient, type PrismaTx, sqlOf } from '@identity-store/event-store';

/** Read models and lookups of the identity service, kept inline (same transaction as the events). */
export const STORES = 'stores';
export const USERS = 'users';
export const storeNameKey = (name: string) => ({ scope: 'store-name', key: name });
export const userExtIdKey = (storeId: string, extId: string) => ({ scope: 'user-ext-id', key: `${storeId}/${extId}` });

/**
 * What the identity service reads and keeps inline with its events: the stores and users as
 * documents, and the streams holding store names and users' extIds. On PostgreSQL in production
 * (IdentityReadModels), in memory in unit specs (../testing/in-memory-identity.ts).
 */
export interface IdentityDocuments<Tx = PrismaTx> {
  storeIdByName(name: string): Promise<string | null>;
  storeByName(name: string): Promise<Store | null>;
  userIdByExtId(storeId: string, extId: string): Promise<string | null>;
  user(storeId: string, userId: string): Promise<UserRecord | null>;
  putStore(tx: Tx, store: Store): Promise<void>;
  putUser(tx: Tx, user: UserRecord): Promise<void>;
  deleteStore(tx: Tx, storeId: string): Promise<void>;
  deleteUser(tx: Tx, userId: string): Promise<void>;
  /** A page of every store. */
  storesPage(request: PageRequest): Promise<Page<Store>>;
  /** A page of a store's users. */
  usersPage(storeId: string, request: PageRequest): Promise<Page<UserRecord>>;
}

export class IdentityReadModels implements IdentityDocuments {
  readonly documents: DocumentStore;

  constructor(private readonly prisma: PrismaClient) {
    this.documents = new DocumentStore(prisma);
  }

  async storeIdByName(name: string): Promise<string | null> {
    return (await this.uniqueKeyOwner(storeNameKey(name)))?.replace(/^store-/, '') ?? null;
  }

  async storeByName(name: string): Promise<Store | null> {
    const id = await this.storeIdByName(name);
    return id ? this.documents.get<Store>(STORES, id) : null;
  }

  async userIdByExtId(storeId: string, extId: string): Promise<string | null> {
    return (await this.uniqueKeyOwner(userExtIdKey(storeId, extId)))?.replace(/^user-/, '') ?? null;
  }

  /** The stream holding a unique key (a lookup on every request: plain SQL, see sqlOf). */
  private async uniqueKeyOwner({ scope, key }: { scope: string; key: string }): Promise<string | null> {
    const { rows } = await sqlOf(this.prisma).query<{ stream_id: string }>(
      'SELECT stream_id FROM unique_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    return rows[0]?.stream_id ?? null;
  }

  storesPage(request: PageRequest): Promise<Page<Store>> {
    return this.documents.page<Store>(STORES, '', request);
  }

  usersPage(storeId: string, request: PageRequest): Promise<Page<UserRecord>> {
    return this.documents.page<UserRecord>(USERS, storeId, request);
  }

  async user(storeId: string, userId: string): Promise<UserRecord | null> {
    const user = await this.documents.get<UserRecord>(USERS, userId);
    // A user of another store is not found here: stores are isolated.
    return user && user.storeId === storeId ? user : null;
  }

  putStore = (tx: PrismaTx, store: Store) => this.documents.put(tx, STORES, store.id, store);
  putUser = (tx: PrismaTx, user: UserRecord) => this.documents.put(tx, USERS, user.id, user, user.storeId);
  deleteStore = (tx: PrismaTx, storeId: string) => this.documents.delete(tx, STORES, storeId);
  deleteUser = (tx: PrismaTx, userId: string) => this.documents.delete(tx, USERS, userId);
}

/** A store's name is unique while the store exists. */
export const storeNameKeys = (events: readonly StoreEvent[]) => ({
  claim: events.flatMap((e) => (e.type === 'StoreCreated' ? [storeNameKey(e.data.name)] : [])),
  release: events.flatMap((e) => (e.type === 'StoreDeleted' ? [storeNameKey(e.data.name)] : [])),
});

/** A user's extId is unique in its store while the user exists. */
export const userExtIdKeys = (storeId: string, events: readonly UserEvent[], before: UserState) => {
  const claim = [];
  const release = [];
  for (const event of events) {
    if (event.type === 'UserCreated') claim.push(userExtIdKey(storeId, event.data.extId));
    if (event.type === 'UserUpdated' && event.data.extId && before.user) {
      claim.push(userExtIdKey(storeId, event.data.extId));
      release.push(userExtIdKey(storeId, before.user.extId));
    }
    if (event.type === 'UserDeleted') release.push(userExtIdKey(storeId, event.data.extId));
  }
  return { claim, release };
};
