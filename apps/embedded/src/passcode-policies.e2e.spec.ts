import { topics } from '@identity-store/contracts';
import { createPrismaClient, readPublishedOutbox } from '@identity-store/event-store';
import { uniqueName } from '@identity-store/testing';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';

/**
 * Passcode (SRP) policies of a store, end to end over HTTP through the gateway, on real PostgreSQL
 * and the real Kafka broker: the same lifecycle as TOTP policies.
 */

/** A policy as the API answers it when the request gave only its name. */
const defaultsNamed = (name: string) => ({
  name,
  protocol: 'SRP',
  srpGroup: 2048,
  hash: 'SHA-256',
  clientRules: { minLength: 8, maxLength: 64, requireDigit: false, requireLetter: false, requireSymbol: false },
  validity: null,
  renewalWindow: null,
  maxFailedAttempts: 5,
  lockoutDuration: 'PT15M',
  kdf: { algorithm: 'argon2id', memoryKiB: 19456, iterations: 2, parallelism: 1 },
});

const errorPaths = (answer: HttpAnswer): string[] =>
  [...new Set<string>(answer.body.errors.map((e: { path: string }) => e.path))].sort();

describe('passcode policies end to end through the gateway (Kafka + PostgreSQL)', () => {
  const { call, api, system } = useE2eSystem('e2e_pcp');
  const storeName = uniqueName('pcp');
  const policyPath = (name = '') => api(`/${storeName}/passcodePolicy${name ? `/${name}` : ''}`);
  const storedPolicies = async () => (await call('GET', api(`/${storeName}`))).body.passcodePolicies;

  it('creates a store with passcode policies in its body, defaults filled in', async () => {
    const created = await call('POST', api(''), {
      name: storeName,
      passcodePolicies: { basic: {}, strict: { srpGroup: 4096, hash: 'SHA-512', clientRules: { minLength: 12, requireSymbol: true } } },
    });
    expect(created.status).toBe(201);
    expect(created.body.totpPolicies).toEqual({});
    expect(created.body.passcodePolicies).toEqual({
      basic: defaultsNamed('basic'),
      strict: {
        ...defaultsNamed('strict'),
        srpGroup: 4096,
        hash: 'SHA-512',
        clientRules: { ...defaultsNamed('strict').clientRules, minLength: 12, requireSymbol: true },
      },
    });
    const read = await call('GET', api(`/${storeName}`));
    expect(read.body.passcodePolicies).toEqual(created.body.passcodePolicies);
  });

  it('creates a policy (201, the store), reads it, and refuses the same name again with 409', async () => {
    const created = await call('POST', policyPath(), { name: 'default' });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    expect(created.body.name).toBe(storeName);
    expect(created.body.passcodePolicies.default).toEqual(defaultsNamed('default'));
    expect(Object.keys(created.body.passcodePolicies).sort()).toEqual(['basic', 'default', 'strict']);

    const read = await call('GET', policyPath('default'));
    expect([read.status, read.body]).toEqual([200, defaultsNamed('default')]);

    const duplicate = await call('POST', policyPath(), { name: 'default', srpGroup: 3072 });
    expect([duplicate.status, duplicate.body.code]).toEqual([409, 'POLICY_EXISTS']);
    expect(duplicate.headers.get('content-type')).toContain('application/problem+json');
    expect((await storedPolicies()).default).toEqual(defaultsNamed('default'));
  });

  it('updates a policy: fields left out (and client rules left out) keep their value', async () => {
    const updated = await call('POST', policyPath('default'), {
      clientRules: { minLength: 12, requireDigit: true },
      validity: 'P90D',
      renewalWindow: 'P7D',
      maxFailedAttempts: 3,
    });
    expect(updated.status).toBe(200);
    const expected = {
      ...defaultsNamed('default'),
      clientRules: { ...defaultsNamed('default').clientRules, minLength: 12, requireDigit: true },
      validity: 'P90D',
      renewalWindow: 'P7D',
      maxFailedAttempts: 3,
    };
    expect(updated.body.passcodePolicies.default).toEqual(expected);
    expect((await call('GET', policyPath('default'))).body).toEqual(expected);

    // Optimistic concurrency as for every store write.
    const stale = await call('POST', policyPath('default'), { srpGroup: 3072 }, undefined, { 'if-match': 'W/"1"' });
    expect([stale.status, stale.body.code]).toEqual([412, 'PRECONDITION_FAILED']);
    const current = updated.headers.get('etag') ?? '';
    const matching = await call('POST', policyPath('default'), { srpGroup: 3072 }, undefined, { 'if-match': current });
    expect([matching.status, matching.body.passcodePolicies.default.srpGroup]).toEqual([200, 3072]);
  });

  it('answers a bad create with 400 naming every bad field, and stores nothing', async () => {
    const before = await storedPolicies();
    const bad = await call('POST', policyPath(), {
      name: 'a-policy-name-far-too-long',
      protocol: 'PAKE',
      srpGroup: 1024,
      hash: 'MD5',
      clientRules: { minLength: 10, maxLength: 5 },
      validity: '90 days',
      maxFailedAttempts: 0,
      lockoutDuration: 'soon',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(errorPaths(bad)).toEqual([
      'body.clientRules.minLength',
      'body.hash',
      'body.lockoutDuration',
      'body.maxFailedAttempts',
      'body.name',
      'body.protocol',
      'body.srpGroup',
      'body.validity',
    ]);

    const renewalWithoutValidity = await call('POST', policyPath(), { name: 'renewing', renewalWindow: 'P7D', srpGroup: 1 });
    expect(renewalWithoutValidity.status).toBe(400);
    expect(errorPaths(renewalWithoutValidity)).toEqual(['body.renewalWindow', 'body.srpGroup']);

    const badInStoreBody = await call('POST', api(''), {
      name: uniqueName('pcp-bad'),
      passcodePolicies: { ok: { hash: 'SHA-1', clientRules: { minLength: 0 } } },
    });
    expect(badInStoreBody.status).toBe(400);
    expect(errorPaths(badInStoreBody)).toEqual(['body.passcodePolicies.ok.clientRules.minLength', 'body.passcodePolicies.ok.hash']);

    expect(await storedPolicies()).toEqual(before);
  });

  it('answers a bad update with 400 naming every bad field, checking the policy it would make, and changes nothing', async () => {
    const before = await storedPolicies();
    const bad = await call('POST', policyPath('default'), { srpGroup: 1024, hash: 'MD5', renewalWindow: 'one week', name: 'renamed' });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad)).toEqual(['body', 'body.hash', 'body.renewalWindow', 'body.srpGroup']);

    // Each value is fine alone; with the stored policy (maxLength 64, renewalWindow P7D) they are not.
    const tooLong = await call('POST', policyPath('default'), { clientRules: { minLength: 65 } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([{ path: 'body.clientRules.minLength', message: 'must not exceed maxLength' }]);
    const neverExpiring = await call('POST', policyPath('default'), { validity: null });
    expect(neverExpiring.status).toBe(400);
    expect(errorPaths(neverExpiring)).toEqual(['body.renewalWindow']);

    expect(await storedPolicies()).toEqual(before);
    // Both together are consistent.
    const neither = await call('POST', policyPath('default'), { validity: null, renewalWindow: null });
    expect(neither.status).toBe(200);
    expect(neither.body.passcodePolicies.default).toMatchObject({ validity: null, renewalWindow: null });
  });

  it('answers 404 for an unknown store or policy, and 400 for a bad policy name in the path', async () => {
    for (const [method, body] of [['GET'], ['POST', { srpGroup: 3072 }], ['DELETE']] as const) {
      const unknownPolicy = await call(method, policyPath('nope'), body);
      expect([method, unknownPolicy.status, unknownPolicy.body.code]).toEqual([method, 404, 'POLICY_NOT_FOUND']);
      expect(unknownPolicy.body.detail).toBe('Passcode policy nope does not exist.');
      const unknownStore = await call(method, api('/no-such-store/passcodePolicy/default'), body);
      expect([method, unknownStore.status, unknownStore.body.code]).toEqual([method, 404, 'STORE_NOT_FOUND']);
    }
    const createInUnknownStore = await call('POST', api('/no-such-store/passcodePolicy'), { name: 'default' });
    expect([createInUnknownStore.status, createInUnknownStore.body.code]).toEqual([404, 'STORE_NOT_FOUND']);
    const badName = await call('GET', policyPath('not a valid policy name at all'));
    expect([badName.status, errorPaths(badName)]).toEqual([400, ['params.policyName']]);
  });

  it('adds and replaces passcode policies through a store update', async () => {
    const updated = await call('POST', api(`/${storeName}`), { passcodePolicies: { basic: { hash: 'SHA-512' }, added: {} } });
    expect(updated.status).toBe(200);
    expect(updated.body.passcodePolicies.basic).toEqual({ ...defaultsNamed('basic'), hash: 'SHA-512' });
    expect(updated.body.passcodePolicies.added).toEqual(defaultsNamed('added'));
    expect(updated.body.passcodePolicies.strict.srpGroup).toBe(4096);
  });

  it('deletes a policy (200, the store without it); it is gone afterwards', async () => {
    const deleted = await call('DELETE', policyPath('added'));
    expect(deleted.status).toBe(200);
    expect(deleted.body.passcodePolicies.added).toBeUndefined();
    expect(Object.keys(deleted.body.passcodePolicies).sort()).toEqual(['basic', 'default', 'strict']);
    expect((await call('GET', policyPath('added'))).status).toBe(404);
    expect((await call('DELETE', policyPath('added'))).status).toBe(404);
    // The name is free again.
    expect((await call('POST', policyPath(), { name: 'added' })).status).toBe(201);
  });

  it('publishes PasscodePolicySet and PasscodePolicyRemoved (version 1) on the identity topic', async () => {
    const store = (await call('GET', api(`/${storeName}`))).body;
    await system().drainOutboxes();
    const prisma = createPrismaClient(system().databases.identity ?? '');
    try {
      const published = (await readPublishedOutbox(prisma, [topics.identity], 0n)).filter((message) => message.key === store.id);
      const events = published.map((message) => JSON.parse(message.value) as { type: string; version: number; data: Record<string, unknown> });
      const passcodeEvents = events.filter((event) => event.type.startsWith('PasscodePolicy'));
      expect(passcodeEvents.map((event) => [event.type, event.version])).toEqual([
        ['PasscodePolicySet', 1], // basic, with the store
        ['PasscodePolicySet', 1], // strict, with the store
        ['PasscodePolicySet', 1], // default created
        ['PasscodePolicySet', 1], // default updated
        ['PasscodePolicySet', 1], // default srpGroup (If-Match)
        ['PasscodePolicySet', 1], // default validity cleared
        ['PasscodePolicySet', 1], // basic replaced by the store update
        ['PasscodePolicySet', 1], // added by the store update
        ['PasscodePolicyRemoved', 1],
        ['PasscodePolicySet', 1], // added again
      ]);
      expect(passcodeEvents.at(-2)?.data).toMatchObject({ storeId: store.id, name: 'added' });
      expect(passcodeEvents.at(-1)?.data).toMatchObject({ storeId: store.id, policy: defaultsNamed('added') });
    } finally {
      await prisma.$disconnect();
    }
  });
});
