import { topics } from '@identity-store/contracts';
import { createPrismaClient, readPublishedOutbox } from '@identity-store/event-store';
import { uniqueName } from '@identity-store/testing';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';

/**
 * Passkey relying-party configurations of a store (`…/passkeyConfig`, keyed by rpId), end to end over
 * HTTP through the gateway, on real PostgreSQL and the real Kafka broker: the lifecycle of the store
 * policies, keyed by rpId instead of a name.
 */

const registrationDefaults = { attestation: 'none', residentKey: 'preferred', userVerification: 'preferred', hints: [] };
const authenticationDefaults = { userVerification: 'preferred', hints: [], timeout: 300_000 };

const errorPaths = (answer: HttpAnswer): string[] =>
  [...new Set<string>(answer.body.errors.map((e: { path: string }) => e.path))].sort();

describe('passkey configurations end to end through the gateway (Kafka + PostgreSQL)', () => {
  const { call, api, system } = useE2eSystem('e2e_pkc');
  const storeName = uniqueName('pkc');
  const configPath = (rpId = '') => api(`/${storeName}/passkeyConfig${rpId ? `/${rpId}` : ''}`);
  const storedConfigs = async () => (await call('GET', api(`/${storeName}`))).body.passkeyConfigs;

  const example = {
    rpId: 'example.com',
    rpName: 'Example',
    origins: ['https://example.com', 'https://login.example.com:8443'],
    registrationPolicies: {
      platform: { residentKey: 'required', userVerification: 'required', authenticatorAttachment: 'platform', hints: ['client-device', 'hybrid'] },
      'any-key': { attestation: 'direct', hints: ['security-key'], timeout: 120_000 },
    },
    authenticationPolicies: { default: {}, strict: { userVerification: 'required', hints: ['hybrid', 'security-key'], timeout: 60_000 } },
  };
  /** `example` as the API answers it: defaults filled in, hints in the order given. */
  const exampleStored = {
    ...example,
    registrationPolicies: {
      platform: { ...registrationDefaults, ...example.registrationPolicies.platform },
      'any-key': { ...registrationDefaults, ...example.registrationPolicies['any-key'] },
    },
    authenticationPolicies: {
      default: authenticationDefaults,
      strict: { userVerification: 'required', hints: ['hybrid', 'security-key'], timeout: 60_000 },
    },
  };

  it('creates a store with passkey configurations in its body (keyed by rpId), defaults filled in', async () => {
    const created = await call('POST', api(''), {
      name: storeName,
      passkeyConfigs: {
        'acme.test': { rpName: 'ACME', origins: ['https://acme.test'], registrationPolicies: { default: {} } },
        localhost: { rpId: 'localhost', rpName: 'Dev', origins: ['http://localhost:3000'] },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.passkeyConfigs).toEqual({
      'acme.test': {
        rpId: 'acme.test',
        rpName: 'ACME',
        origins: ['https://acme.test'],
        registrationPolicies: { default: registrationDefaults },
        authenticationPolicies: {},
      },
      localhost: { rpId: 'localhost', rpName: 'Dev', origins: ['http://localhost:3000'], registrationPolicies: {}, authenticationPolicies: {} },
    });
    expect(created.body.totpPolicies).toEqual({});
    expect(created.body.passcodePolicies).toEqual({});
    expect(await storedConfigs()).toEqual(created.body.passkeyConfigs);
  });

  it('creates a configuration (201, the store), reads it by rpId, and refuses the same rpId again with 409', async () => {
    const created = await call('POST', configPath(), example);
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    expect(created.body.name).toBe(storeName);
    expect(created.body.passkeyConfigs['example.com']).toEqual(exampleStored);
    expect(Object.keys(created.body.passkeyConfigs).sort()).toEqual(['acme.test', 'example.com', 'localhost']);

    const read = await call('GET', configPath('example.com'));
    expect([read.status, read.body]).toEqual([200, exampleStored]);

    const duplicate = await call('POST', configPath(), { rpId: 'example.com', rpName: 'Other', origins: ['https://example.com'] });
    expect([duplicate.status, duplicate.body.code]).toEqual([409, 'PASSKEY_CONFIG_EXISTS']);
    expect(duplicate.body.detail).toBe('Passkey configuration example.com already exists.');
    expect(duplicate.headers.get('content-type')).toContain('application/problem+json');
    expect((await storedConfigs())['example.com']).toEqual(exampleStored);
  });

  it('updates a configuration: fields left out keep their value, policies are added, replaced or removed (null) by name', async () => {
    const updated = await call('POST', configPath('example.com'), {
      rpName: 'Example Inc.',
      registrationPolicies: { 'any-key': null, roaming: { authenticatorAttachment: 'cross-platform', hints: ['security-key'] } },
      authenticationPolicies: { default: { userVerification: 'discouraged' } },
    });
    expect(updated.status).toBe(200);
    const expected = {
      ...exampleStored,
      rpName: 'Example Inc.',
      registrationPolicies: {
        platform: exampleStored.registrationPolicies.platform,
        roaming: { ...registrationDefaults, authenticatorAttachment: 'cross-platform', hints: ['security-key'] },
      },
      authenticationPolicies: {
        // Replaced as a whole: the fields it leaves out take their defaults.
        default: { ...authenticationDefaults, userVerification: 'discouraged' },
        strict: exampleStored.authenticationPolicies.strict,
      },
    };
    expect(updated.body.passkeyConfigs['example.com']).toEqual(expected);
    expect((await call('GET', configPath('example.com'))).body).toEqual(expected);

    // origins replaces the list; optimistic concurrency as for every store write.
    const stale = await call('POST', configPath('example.com'), { origins: ['https://id.example.com'] }, undefined, { 'if-match': 'W/"1"' });
    expect([stale.status, stale.body.code]).toEqual([412, 'PRECONDITION_FAILED']);
    const current = updated.headers.get('etag') ?? '';
    const matching = await call('POST', configPath('example.com'), { origins: ['https://id.example.com'] }, undefined, { 'if-match': current });
    expect([matching.status, matching.body.passkeyConfigs['example.com'].origins]).toEqual([200, ['https://id.example.com']]);
  });

  it('answers a bad create with 400 naming every bad field, and stores nothing', async () => {
    const before = await storedConfigs();
    const bad = await call('POST', configPath(), {
      rpId: 'bad.test',
      rpName: '',
      origins: ['https://bad.test', 'https://evil.test', 'http://bad.test', 'https://bad.test'],
      registrationPolicies: {
        'policy-name-far-too-long': {},
        ok: { attestation: 'full', residentKey: 'always', authenticatorAttachment: 'usb', hints: ['hybrid', 'nfc', 'hybrid'], timeout: 5 },
      },
      authenticationPolicies: { default: { userVerification: 'never', timeout: 600_001, extra: 1 } },
      appId: 'legacy',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(errorPaths(bad)).toEqual([
      'body',
      'body.authenticationPolicies.default',
      'body.authenticationPolicies.default.timeout',
      'body.authenticationPolicies.default.userVerification',
      'body.origins.1',
      'body.origins.2',
      'body.origins.3',
      'body.registrationPolicies.ok.attestation',
      'body.registrationPolicies.ok.authenticatorAttachment',
      'body.registrationPolicies.ok.hints.1',
      'body.registrationPolicies.ok.hints.2',
      'body.registrationPolicies.ok.residentKey',
      'body.registrationPolicies.ok.timeout',
      'body.registrationPolicies.policy-name-far-too-long',
      'body.rpName',
    ]);

    const badRpId = await call('POST', configPath(), { rpId: 'https://Bad.test/', rpName: 'x', origins: ['ftp://bad.test'] });
    expect(badRpId.status).toBe(400);
    expect(errorPaths(badRpId)).toEqual(['body.origins.0', 'body.rpId']);

    expect(await storedConfigs()).toEqual(before);
    expect((await call('GET', configPath('bad.test'))).status).toBe(404);

    // In a store body too: nothing is created.
    const badStoreName = uniqueName('pkc-bad');
    const badInStoreBody = await call('POST', api(''), {
      name: badStoreName,
      passkeyConfigs: {
        'ok.test': { rpId: 'other.test', rpName: 'x', origins: ['https://evil.test'], authenticationPolicies: { a: { hints: ['hybrid', 'hybrid'] } } },
        'NOT A DOMAIN': { rpName: 'x', origins: ['https://x.test'] },
      },
    });
    expect(badInStoreBody.status).toBe(400);
    expect(errorPaths(badInStoreBody)).toEqual([
      'body.passkeyConfigs.NOT A DOMAIN',
      'body.passkeyConfigs.ok.test.authenticationPolicies.a.hints.1',
      'body.passkeyConfigs.ok.test.origins.0',
      'body.passkeyConfigs.ok.test.rpId',
    ]);
    expect((await call('GET', api(`/${badStoreName}`))).status).toBe(404);
  });

  it('answers a bad update with 400 naming every bad field, checking the configuration it would make, and changes nothing', async () => {
    const before = await storedConfigs();
    const bad = await call('POST', configPath('example.com'), {
      rpId: 'other.com',
      rpName: 42,
      origins: [],
      registrationPolicies: { platform: { hints: ['usb'] }, 'not valid!': null },
    });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad)).toEqual([
      'body',
      'body.origins',
      'body.registrationPolicies.not valid!',
      'body.registrationPolicies.platform.hints.0',
      'body.rpName',
    ]);

    // Fine alone, but not with the stored rpId: the origins must be on example.com.
    const foreign = await call('POST', configPath('example.com'), { origins: ['https://example.com', 'https://example.org'] });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([{ path: 'body.origins.1', message: 'host must be example.com or a subdomain of it' }]);

    expect(await storedConfigs()).toEqual(before);
  });

  it('answers 404 for an unknown store or rpId, and 400 for a bad rpId in the path', async () => {
    for (const [method, body] of [['GET'], ['POST', { rpName: 'x' }], ['DELETE']] as const) {
      const unknownConfig = await call(method, configPath('nope.example.com'), body);
      expect([method, unknownConfig.status, unknownConfig.body.code]).toEqual([method, 404, 'PASSKEY_CONFIG_NOT_FOUND']);
      expect(unknownConfig.body.detail).toBe('Passkey configuration nope.example.com does not exist.');
      const unknownStore = await call(method, api('/no-such-store/passkeyConfig/example.com'), body);
      expect([method, unknownStore.status, unknownStore.body.code]).toEqual([method, 404, 'STORE_NOT_FOUND']);
    }
    const createInUnknownStore = await call('POST', api('/no-such-store/passkeyConfig'), example);
    expect([createInUnknownStore.status, createInUnknownStore.body.code]).toEqual([404, 'STORE_NOT_FOUND']);
    const badRpId = await call('GET', configPath('Example.COM'));
    expect([badRpId.status, errorPaths(badRpId)]).toEqual([400, ['params.rpId']]);
    // A policy of another kind under that key is not a configuration.
    expect((await call('POST', api(`/${storeName}/passcodePolicy`), { name: 'localhost' })).status).toBe(201);
    expect((await call('GET', api(`/${storeName}/passcodePolicy/localhost`))).status).toBe(200);
    expect((await call('DELETE', api(`/${storeName}/passcodePolicy/localhost`))).status).toBe(200);
    expect((await call('GET', configPath('localhost'))).status).toBe(200);
  });

  it('adds and replaces configurations through a store update', async () => {
    const updated = await call('POST', api(`/${storeName}`), {
      passkeyConfigs: {
        'acme.test': { rpName: 'ACME 2', origins: ['https://www.acme.test'] },
        'added.test': { rpName: 'Added', origins: ['https://added.test'] },
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.passkeyConfigs['acme.test']).toEqual({
      rpId: 'acme.test',
      rpName: 'ACME 2',
      origins: ['https://www.acme.test'],
      registrationPolicies: {},
      authenticationPolicies: {},
    });
    expect(updated.body.passkeyConfigs['added.test'].rpName).toBe('Added');
    expect(updated.body.passkeyConfigs['example.com'].rpName).toBe('Example Inc.');
  });

  it('deletes a configuration (200, the store without it); it is gone afterwards', async () => {
    const deleted = await call('DELETE', configPath('added.test'));
    expect(deleted.status).toBe(200);
    expect(deleted.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    expect(deleted.body.passkeyConfigs['added.test']).toBeUndefined();
    expect(Object.keys(deleted.body.passkeyConfigs).sort()).toEqual(['acme.test', 'example.com', 'localhost']);
    expect((await call('GET', configPath('added.test'))).status).toBe(404);
    expect((await call('DELETE', configPath('added.test'))).status).toBe(404);
    expect(Object.keys(await storedConfigs()).sort()).toEqual(['acme.test', 'example.com', 'localhost']);
    // The rpId is free again.
    expect((await call('POST', configPath(), { rpId: 'added.test', rpName: 'Again', origins: ['https://added.test'] })).status).toBe(201);
  });

  it('publishes PasskeyConfigSet and PasskeyConfigRemoved (version 1) on the identity topic', async () => {
    const store = (await call('GET', api(`/${storeName}`))).body;
    await system().drainOutboxes();
    const prisma = createPrismaClient(system().databases.identity ?? '');
    try {
      const published = (await readPublishedOutbox(prisma, [topics.identity], 0n)).filter((message) => message.key === store.id);
      const events = published.map((message) => JSON.parse(message.value) as { type: string; version: number; data: Record<string, unknown> });
      const passkeyEvents = events.filter((event) => event.type.startsWith('PasskeyConfig'));
      expect(passkeyEvents.map((event) => [event.type, event.version, (event.data.config as { rpId?: string } | undefined)?.rpId ?? event.data.rpId])).toEqual([
        ['PasskeyConfigSet', 1, 'acme.test'], // with the store
        ['PasskeyConfigSet', 1, 'localhost'], // with the store
        ['PasskeyConfigSet', 1, 'example.com'], // created
        ['PasskeyConfigSet', 1, 'example.com'], // updated
        ['PasskeyConfigSet', 1, 'example.com'], // origins (If-Match)
        ['PasskeyConfigSet', 1, 'acme.test'], // replaced by the store update
        ['PasskeyConfigSet', 1, 'added.test'], // added by the store update
        ['PasskeyConfigRemoved', 1, 'added.test'],
        ['PasskeyConfigSet', 1, 'added.test'], // added again
      ]);
      expect(passkeyEvents.at(-2)?.data).toMatchObject({ storeId: store.id, rpId: 'added.test' });
      expect(passkeyEvents.at(-1)?.data).toMatchObject({
        storeId: store.id,
        config: { rpId: 'added.test', rpName: 'Again', origins: ['https://added.test'], registrationPolicies: {}, authenticationPolicies: {} },
      });
    } finally {
      await prisma.$disconnect();
    }
  });
});
