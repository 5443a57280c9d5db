import type { Store, UserRecord } from '@identity-store/contracts';
import { generateSecretsKey, SecretBox } from '@identity-store/crypto';
import { InMemoryEventStore, type InMemoryTx, type Page, type PageRequest } from '@identity-store/event-store';
import { type IdentityDocuments, storeNameKey, userExtIdKey } from '../data/identity-store-data';
import { IdentityService } from '../identity-service';

/**
 * The identity service's documents in memory, for unit specs: the same answers as
 * IdentityReadModels (names and extIds resolved through the keys the event store holds, a user of
 * another store not found). Documents are kept as JSON copies, as jsonb keeps them.
 */
export class InMemoryIdentityDocuments implements IdentityDocuments<InMemoryTx> {
  private readonly stores = new Map<string, Store>();
  private readonly users = new Map<string, UserRecord>();

  constructor(private readonly eventStore: InMemoryEventStore) {}

  async storeIdByName(name: string): Promise<string | null> {
    const { scope, key } = storeNameKey(name);
    return (await this.eventStore.streamHolding(scope, key))?.replace(/^store-/, '') ?? null;
  }

  async storeByName(name: string): Promise<Store | null> {
    const id = await this.storeIdByName(name);
    return (id && copy(this.stores.get(id))) || null;
  }

  async userIdByExtId(storeId: string, extId: string): Promise<string | null> {
    const { scope, key } = userExtIdKey(storeId, extId);
    return (await this.eventStore.streamHolding(scope, key))?.replace(/^user-/, '') ?? null;
  }

  async user(storeId: string, userId: string): Promise<UserRecord | null> {
    const user = this.users.get(userId);
    return user && user.storeId === storeId ? copy(user) : null;
  }

  putStore = async (_tx: InMemoryTx, store: Store) => void this.stores.set(store.id, copy(store));
  putUser = async (_tx: InMemoryTx, user: UserRecord) => void this.users.set(user.id, copy(user));
  deleteStore = async (_tx: InMemoryTx, storeId: string) => void this.stores.delete(storeId);
  deleteUser = async (_tx: InMemoryTx, userId: string) => void this.users.delete(userId);

  storesPage = async (request: PageRequest) => pageOf([...this.stores.values()], request);
  usersPage = async (storeId: string, request: PageRequest) =>
    pageOf([...this.users.values()].filter((user) => user.storeId === storeId), request);
}

/** A page as DocumentStore answers it (sorted by a top-level field when asked). */
const pageOf = <T>(documents: T[], { page, size, sort }: PageRequest): Page<T> => {
  const sorted = sort
    ? [...documents].sort((a, b) => {
        const [x, y] = [a, b].map((document) => String((document as Record<string, unknown>)[sort.field]));
        return x!.localeCompare(y!) * (sort.direction === 'desc' ? -1 : 1);
      })
    : documents;
  return {
    content: sorted.slice(page * size, page * size + size).map(copy),
    page,
    size,
    totalElements: documents.length,
    totalPages: Math.ceil(documents.length / size),
  };
};

const copy = <T>(document: T): T => (document === undefined ? document : JSON.parse(JSON.stringify(document)));

/** The identity service on an in-memory event store and documents (no database), with a fresh SECRETS_KEY by default. */
export const inMemoryIdentityService = (
  eventStore = new InMemoryEventStore(),
  clock?: () => Date,
  lookups?: { ttlMs?: number; max?: number },
  secrets = new SecretBox(generateSecretsKey()),
): IdentityService<InMemoryTx, InMemoryIdentityDocuments> =>
  new IdentityService({ eventStore, readModels: new InMemoryIdentityDocuments(eventStore) }, secrets, clock, lookups);
