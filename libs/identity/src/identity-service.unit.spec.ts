import {
  biometricPolicySchema,
  createPushNotificationPolicyBodySchema,
  DomainError,
  pushCredentialContext,
  type Store,
} from '@identity-store/contracts';
import { generateSecretsKey, SecretBox } from '@identity-store/crypto';
import { InMemoryEventStore } from '@identity-store/event-store';
import { apnsTestPrivateKey } from '@identity-store/testing';
import { storeStreamId } from './domain/store';
import type { NewStore } from './identity-service';
import { inMemoryIdentityService } from './testing/in-memory-identity';

/** The identity service's use cases on the in-memory event store: what they decide and keep, without a database. */

const T0 = new Date('2026-05-07T10:00:00.000Z');
const request = { metadata: { correlationId: 'unit' } };
const acme: NewStore = { name: 'acme', attributeSchema: null, totpPolicies: [], passcodePolicies: [], passkeyConfigs: [] };
const alice = { extId: 'alice', status: 'ACTIVE' as const, attributes: { age: 30 } };

const refusal = async (pending: Promise<unknown>): Promise<DomainError> => {
  const error = await pending.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
};

describe('IdentityService (in memory)', () => {
  let eventStore: InMemoryEventStore;
  const service = () => inMemoryIdentityService(eventStore, () => T0);
  beforeEach(() => (eventStore = new InMemoryEventStore()));

  it('creates a store at version 1, found by its name', async () => {
    const identity = service();
    const created = await identity.createStore(acme, request);
    expect(created).toMatchObject({ version: 1, value: { name: 'acme', createdDtm: T0.toISOString() } });
    expect(await identity.getStoreByName('acme')).toEqual(created.value);
    expect(await identity.requireStore('acme')).toEqual(created);
    expect((await eventStore.readStream(storeStreamId(created.value.id))).map((e) => e.type)).toEqual(['StoreCreated']);
  });

  it('refuses a second store of the same name (STORE_EXISTS)', async () => {
    await service().createStore(acme, request);
    const error = await refusal(service().createStore(acme, request));
    expect([error.kind, error.code]).toEqual(['conflict', 'STORE_EXISTS']);
  });

  it('refuses users of a store that does not exist (STORE_NOT_FOUND)', async () => {
    const error = await refusal(service().createUser('nope', alice, request));
    expect([error.kind, error.code]).toEqual(['not-found', 'STORE_NOT_FOUND']);
  });

  it('creates a user, found by its id and by its extId', async () => {
    const identity = service();
    const { value: store } = await identity.createStore(acme, request);
    const created = await identity.createUser('acme', alice, request);
    expect(created).toMatchObject({ version: 1, value: { storeId: store.id, extId: 'alice', status: 'ACTIVE', attributes: { age: 30 } } });
    expect(await identity.getUser(store.id, { extId: 'alice' })).toEqual(created.value);
    expect(await identity.getUser(store.id, { userId: created.value.id })).toEqual(created.value);
    expect(await identity.requireUser('acme', { extId: 'alice' })).toMatchObject({ value: created.value, version: 1 });
  });

  it('refuses a second user with the same extId in a store (USER_EXISTS), but not in another store', async () => {
    const identity = service();
    await identity.createStore(acme, request);
    await identity.createStore({ ...acme, name: 'other' }, request);
    await identity.createUser('acme', alice, request);
    const error = await refusal(identity.createUser('acme', { ...alice, attributes: {} }, request));
    expect([error.kind, error.code]).toEqual(['conflict', 'USER_EXISTS']);
    expect((await identity.createUser('other', alice, request)).value.extId).toBe('alice');
  });

  it('releases the extId of a deleted user for a new one', async () => {
    const identity = service();
    await identity.createStore(acme, request);
    const first = await identity.createUser('acme', alice, request);
    await identity.changeUser('acme', { extId: 'alice' }, { type: 'DeleteUser' }, request);
    const error = await refusal(identity.requireUser('acme', { extId: 'alice' }));
    expect([error.kind, error.code]).toEqual(['not-found', 'USER_NOT_FOUND']);
    const second = await identity.createUser('acme', alice, request);
    expect(second.value.id).not.toBe(first.value.id);
  });

  it('changes a user made against its current version (If-Match) and refuses a stale one (PRECONDITION_FAILED)', async () => {
    const identity = service();
    await identity.createStore(acme, request);
    const { value: user } = await identity.createUser('acme', alice, request);
    const changed = await identity.changeUser('acme', { userId: user.id }, { type: 'UpdateUser', status: 'DISABLED' }, { ...request, ifMatch: 1 });
    expect(changed).toMatchObject({ version: 2, value: { status: 'DISABLED' } });

    const stale = await refusal(
      identity.changeUser('acme', { userId: user.id }, { type: 'UpdateUser', status: 'ACTIVE' }, { ...request, ifMatch: 1 }),
    );
    expect([stale.kind, stale.code]).toEqual(['precondition-failed', 'PRECONDITION_FAILED']);
    expect((await identity.requireUser('acme', { userId: user.id })).value.status).toBe('DISABLED');
  });

  it('changes a store against its current version (If-Match) and refuses a stale one (PRECONDITION_FAILED)', async () => {
    const identity = service();
    await identity.createStore(acme, request);
    const changed = await identity.changeStore('acme', { type: 'UpdateStore', description: 'ACME Inc.' }, { ...request, ifMatch: 1 });
    expect(changed).toMatchObject({ version: 2, value: { description: 'ACME Inc.' } });
    const stale = await refusal(identity.changeStore('acme', { type: 'UpdateStore', description: 'Stale' }, { ...request, ifMatch: 1 }));
    expect([stale.kind, stale.code]).toEqual(['precondition-failed', 'PRECONDITION_FAILED']);
  });

  it('serves a push policy’s credentials with the keys as ciphertext only, by store id and rpId', async () => {
    const secrets = new SecretBox(generateSecretsKey());
    const identity = inMemoryIdentityService(eventStore, () => T0, undefined, secrets);
    const privateKey = apnsTestPrivateKey();
    const apnsConfig = { teamId: 'ABCDE12345', keyId: 'KEY1234567', privateKey, bundleId: 'com.example.app', production: true };
    const policy = createPushNotificationPolicyBodySchema.parse({ rpId: 'example.com', apnsConfig, ttlSeconds: 120 });
    const { value: store } = await identity.createStore({ ...acme, pushNotificationPolicies: [policy] }, request);

    const credentials = await identity.getPushCredentials(store.id, 'example.com');
    const { privateKey: _plain, ...shown } = apnsConfig;
    expect(credentials).toEqual({ ttlSeconds: 120, apns: { ...shown, encryptedPrivateKey: expect.stringMatching(/^v2\./) } });
    expect(JSON.stringify(credentials)).not.toContain('PRIVATE KEY');
    const context = pushCredentialContext(store.id, 'example.com', 'apns');
    expect(secrets.decrypt(credentials!.apns!.encryptedPrivateKey, context).toString()).toBe(privateKey);
    expect(await identity.getPushCredentials(store.id, 'other.com')).toBeNull();
    expect(await identity.getPushCredentials('no-such-store', 'example.com')).toBeNull();
    // The store other services read shows no key either.
    expect(JSON.stringify(await identity.getStoreByName('acme'))).not.toContain('PRIVATE KEY');

    // A change is seen at once (written through), a removal too.
    await identity.changeStore('acme', { type: 'SetPolicy', mode: 'update', kind: 'push', policy: { ...policy, ttlSeconds: 5 } }, request);
    expect((await identity.getPushCredentials(store.id, 'example.com'))?.ttlSeconds).toBe(5);
    await identity.changeStore('acme', { type: 'RemovePolicy', kind: 'push', name: 'example.com' }, request);
    expect(await identity.getPushCredentials(store.id, 'example.com')).toBeNull();
  });

  it('shows the biometric policy other services read at once; a store listed from a document written before it had one shows null', async () => {
    const identity = service();
    const { value: store } = await identity.createStore(acme, request);
    const policy = biometricPolicySchema.parse({ livenessRequired: true });
    await identity.changeStore('acme', { type: 'SetBiometricPolicy', policy }, request);
    expect((await identity.getStoreByName('acme'))?.biometricPolicy).toEqual(policy);
    await identity.changeStore('acme', { type: 'RemoveBiometricPolicy' }, request);
    expect((await identity.getStoreByName('acme'))?.biometricPolicy).toBeNull();

    const { biometricPolicy: _new, ...legacy } = store;
    await identity.readModels.putStore(undefined, legacy as Store);
    const page = { page: 0, size: 10 };
    expect((await identity.listStores(null, page, [])).content.map((listed) => listed.biometricPolicy)).toEqual([null]);
    expect((await identity.listStores(['acme'], page, [])).content.map((listed) => listed.biometricPolicy)).toEqual([null]);
  });
});
