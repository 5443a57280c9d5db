import { DomainError } from '@identity-store/contracts';
import { InMemoryEventStore } from '@identity-store/event-store';
import { LookupCache } from './data/lookup-cache';
import type { NewStore } from './identity-service';
import { inMemoryIdentityService } from './testing/in-memory-identity';

/**
 * The identity service's lookups kept in memory: never older than this instance's own writes,
 * converging on other instances' writes after their TTL, and never used to decide a command.
 */

const request = { metadata: { correlationId: 'unit' } };
const acme: NewStore = { name: 'acme', attributeSchema: null, totpPolicies: [], passcodePolicies: [], passkeyConfigs: [] };
const alice = { extId: 'alice', status: 'ACTIVE' as const, attributes: {} };
const HOUR = 3_600_000;

describe('identity lookups in memory', () => {
  let eventStore: InMemoryEventStore;
  beforeEach(() => (eventStore = new InMemoryEventStore()));

  it("a user disabled or deleted through this instance is never found active from memory", async () => {
    const identity = inMemoryIdentityService(eventStore, undefined, { ttlMs: HOUR });
    const { value: store } = await identity.createStore(acme, request);
    const { value: user } = await identity.createUser('acme', alice, request);
    // Warm every lookup a credential service and the API make.
    expect((await identity.getUser(store.id, { userId: user.id }))?.status).toBe('ACTIVE');
    expect((await identity.getUser(store.id, { extId: 'alice' }))?.status).toBe('ACTIVE');
    expect((await identity.requireUser('acme', { userId: user.id })).value.status).toBe('ACTIVE');

    await identity.changeUser('acme', { userId: user.id }, { type: 'UpdateUser', status: 'DISABLED' }, request);
    expect((await identity.getUser(store.id, { userId: user.id }))?.status).toBe('DISABLED');
    expect((await identity.getUser(store.id, { extId: 'alice' }))?.status).toBe('DISABLED');
    expect(await identity.requireUser('acme', { userId: user.id })).toMatchObject({ version: 2, value: { status: 'DISABLED' } });

    await identity.changeUser('acme', { userId: user.id }, { type: 'DeleteUser' }, request);
    expect(await identity.getUser(store.id, { userId: user.id })).toBeNull();
    expect(await identity.getUser(store.id, { extId: 'alice' })).toBeNull();
  });

  it('a changed extId: the old one finds nobody, the new one the user, a new user may take the old one', async () => {
    const identity = inMemoryIdentityService(eventStore, undefined, { ttlMs: HOUR });
    const { value: store } = await identity.createStore(acme, request);
    const { value: user } = await identity.createUser('acme', alice, request);
    expect((await identity.getUser(store.id, { extId: 'alice' }))?.id).toBe(user.id);
    await identity.changeUser('acme', { userId: user.id }, { type: 'UpdateUser', extId: 'alice-2' }, request);
    expect(await identity.getUser(store.id, { extId: 'alice' })).toBeNull();
    expect((await identity.getUser(store.id, { extId: 'alice-2' }))?.id).toBe(user.id);
    const { value: other } = await identity.createUser('acme', alice, request);
    expect((await identity.getUser(store.id, { extId: 'alice' }))?.id).toBe(other.id);
  });

  it("sees another instance's write once its entries expired", async () => {
    const mine = inMemoryIdentityService(eventStore, undefined, { ttlMs: 20 });
    const theirs = inMemoryIdentityService(eventStore, undefined, { ttlMs: 20 });
    const { value: store } = await mine.createStore(acme, request);
    const { value: user } = await mine.createUser('acme', alice, request);
    expect((await mine.getUser(store.id, { userId: user.id }))?.status).toBe('ACTIVE');
    await theirs.changeUser('acme', { userId: user.id }, { type: 'UpdateUser', status: 'DISABLED' }, request);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect((await mine.getUser(store.id, { userId: user.id }))?.status).toBe('DISABLED');
  });

  it("decides commands on the stored version, not on a kept one another instance's write made stale", async () => {
    const mine = inMemoryIdentityService(eventStore, undefined, { ttlMs: HOUR });
    const theirs = inMemoryIdentityService(eventStore, undefined, { ttlMs: HOUR });
    await mine.createStore(acme, request);
    const { value: user } = await mine.createUser('acme', alice, request);
    expect((await mine.requireStore('acme')).version).toBe(1);
    expect((await mine.requireUser('acme', { userId: user.id })).version).toBe(1);
    await theirs.changeStore('acme', { type: 'UpdateStore', description: 'theirs' }, request);
    await theirs.changeUser('acme', { userId: user.id }, { type: 'UpdateUser', attributes: { by: 'theirs' } }, request);

    // A stale If-Match is refused and the current one accepted, though this instance still keeps version 1.
    const stale = await mine
      .changeUser('acme', { userId: user.id }, { type: 'UpdateUser', attributes: { by: 'mine' } }, { ...request, ifMatch: 1 })
      .catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(DomainError);
    expect((stale as DomainError).code).toBe('PRECONDITION_FAILED');
    await expect(
      mine.changeUser('acme', { userId: user.id }, { type: 'UpdateUser', attributes: { by: 'mine' } }, { ...request, ifMatch: 2 }),
    ).resolves.toMatchObject({ version: 3 });
    await expect(mine.changeStore('acme', { type: 'UpdateStore', description: 'mine' }, { ...request, ifMatch: 2 })).resolves.toMatchObject({
      version: 3,
    });
  });
});

describe('LookupCache', () => {
  it('keeps a loaded value until it expires', async () => {
    const cache = new LookupCache({ ttlMs: HOUR, max: 10 });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', load)).toBe(1);
    expect(await cache.get('k', load)).toBe(1);
    cache.forget('k');
    expect(await cache.get('k', load)).toBe(2);
  });

  it('does not keep what a load read while a write went through (it may predate the commit)', async () => {
    const cache = new LookupCache({ ttlMs: HOUR, max: 10 });
    let release!: () => void;
    const slowLoad = cache.get('user', async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return 'ACTIVE (read before the commit)';
    });
    cache.put('user', 'DISABLED');
    release();
    expect(await slowLoad).toBe('ACTIVE (read before the commit)');
    expect(await cache.get('user', async () => 'loaded again')).toBe('DISABLED');
  });

  it('is bounded: the least recently used entry goes first', async () => {
    const cache = new LookupCache({ ttlMs: HOUR, max: 2 });
    cache.put('a', 1);
    cache.put('b', 2);
    await cache.get('a', async () => 0);
    cache.put('c', 3);
    expect(await cache.get('a', async () => 'reloaded')).toBe(1);
    expect(await cache.get('c', async () => 'reloaded')).toBe(3);
    expect(await cache.get('b', async () => 'reloaded')).toBe('reloaded');
  });
});
