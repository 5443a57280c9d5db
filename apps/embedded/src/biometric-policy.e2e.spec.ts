import { biometricPolicyDefaults, topics } from '@identity-store/contracts';
import { createPrismaClient, readPublishedOutbox } from '@identity-store/event-store';
import { uniqueName } from '@identity-store/testing';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';

/**
 * A store's biometric policy (`…/biometricPolicy`, one per store; the Store's `biometricPolicy`, null
 * for the defaults), end to end over HTTP through the gateway on real PostgreSQL, in the embedded
 * default's in-process transport: the defaults, a partial POST merged into the effective policy and
 * checked as a whole, the store bodies (whole policy, or null), DELETE back to the defaults, and the
 * events published on the identity topic.
 */

const errorPaths = (answer: HttpAnswer): string[] =>
  [...new Set<string>(answer.body.errors.map((e: { path: string }) => e.path))].sort();

describe('the biometric policy end to end through the gateway', () => {
  const { call, api, system } = useE2eSystem('e2e_bio_policy', { transport: { kind: 'in-process' } });
  const storeName = uniqueName('biopol');
  const policyPath = (store = storeName) => api(`/${store}/biometricPolicy`);
  const defaults = { ...biometricPolicyDefaults };
  const strict = { ...defaults, matchThreshold: 0.72, livenessRequired: true, maxFailedAttempts: 3 };

  it('a new store has none (null) and answers the defaults, with the store’s ETag', async () => {
    const created = await call('POST', api(''), { name: storeName });
    expect([created.status, created.body.biometricPolicy]).toEqual([201, null]);
    const read = await call('GET', policyPath());
    expect([read.status, read.body]).toEqual([200, defaults]);
    expect(read.headers.get('etag')).toBe(created.headers.get('etag'));
  });

  it('POST merges the given fields into the defaults, then into the stored policy (200, the store)', async () => {
    const first = await call('POST', policyPath(), { matchThreshold: 0.72, livenessRequired: true });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    expect(first.body).toMatchObject({ name: storeName, biometricPolicy: { ...defaults, matchThreshold: 0.72, livenessRequired: true } });
    const second = await call('POST', policyPath(), { maxFailedAttempts: 3 }, undefined, { 'if-match': first.headers.get('etag') ?? '' });
    expect([second.status, second.body.biometricPolicy]).toEqual([200, strict]);
    expect((await call('GET', policyPath())).body).toEqual(strict);
    expect((await call('GET', api(`/${storeName}`))).body.biometricPolicy).toEqual(strict);
  });

  it('refuses bad fields with 400 naming each, and a stale If-Match with 412; nothing changes', async () => {
    const bad = await call('POST', policyPath(), {
      matchThreshold: 1.2,
      livenessThreshold: -0.1,
      maxFailedAttempts: 0,
      lockoutDuration: 'a while',
      minFaceSize: 2_000,
      threshold: 0.5,
    });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad)).toEqual([
      'body',
      'body.livenessThreshold',
      'body.lockoutDuration',
      'body.matchThreshold',
      'body.maxFailedAttempts',
      'body.minFaceSize',
    ]);
    expect((await call('POST', policyPath(), { maxFailedAttempts: 101 })).status).toBe(400);
    const stale = await call('POST', policyPath(), { minFaceSize: 96 }, undefined, { 'if-match': 'W/"1"' });
    expect([stale.status, stale.body.code]).toEqual([412, 'PRECONDITION_FAILED']);
    expect((await call('GET', policyPath())).body).toEqual(strict);
  });

  it('DELETE goes back to the defaults (200, the store with null); a second DELETE changes nothing', async () => {
    const removed = await call('DELETE', policyPath());
    expect([removed.status, removed.body.biometricPolicy]).toEqual([200, null]);
    expect((await call('GET', policyPath())).body).toEqual(defaults);
    const again = await call('DELETE', policyPath());
    expect([again.status, again.body.biometricPolicy, again.headers.get('etag')]).toEqual([200, null, removed.headers.get('etag')]);
  });

  it('store bodies take the policy whole (defaults filled in, not merged) or null; lists show it', async () => {
    const other = uniqueName('biopol');
    const created = await call('POST', api(''), { name: other, biometricPolicy: { minFaceSize: 80, lockoutDuration: 'PT30M' } });
    expect([created.status, created.body.biometricPolicy]).toEqual([201, { ...defaults, minFaceSize: 80, lockoutDuration: 'PT30M' }]);
    const replaced = await call('POST', api(`/${other}`), { description: 'Other', biometricPolicy: { livenessRequired: true } });
    expect([replaced.status, replaced.body.biometricPolicy]).toEqual([200, { ...defaults, livenessRequired: true }]);
    const listed = await call('GET', `${api('')}?size=100`);
    const shown = listed.body.content.find((store: { name: string }) => store.name === other);
    expect(shown.biometricPolicy).toEqual({ ...defaults, livenessRequired: true });
    const bad = await call('POST', api(`/${other}`), { biometricPolicy: { matchThreshold: -1 } });
    expect([bad.status, errorPaths(bad)]).toEqual([400, ['body.biometricPolicy.matchThreshold']]);
    const removed = await call('POST', api(`/${other}`), { biometricPolicy: null });
    expect([removed.status, removed.body.biometricPolicy, removed.body.description]).toEqual([200, null, 'Other']);
  });

  it('answers 404 STORE_NOT_FOUND for an unknown store on each operation', async () => {
    for (const [method, body] of [['GET'], ['POST', {}], ['DELETE']] as const) {
      const unknown = await call(method, policyPath('no-such-store'), body);
      expect([method, unknown.status, unknown.body.code]).toEqual([method, 404, 'STORE_NOT_FOUND']);
    }
  });

  it('publishes BiometricPolicySet (the whole policy) and BiometricPolicyRemoved on the identity topic', async () => {
    const store = (await call('GET', api(`/${storeName}`))).body;
    await system().drainOutboxes();
    const prisma = createPrismaClient(system().databases.identity ?? '');
    try {
      const published = (await readPublishedOutbox(prisma, [topics.identity], 0n)).filter((message) => message.key === store.id);
      const events = published
        .map((message) => JSON.parse(message.value) as { type: string; version: number; data: Record<string, unknown> })
        .filter((event) => event.type.startsWith('BiometricPolicy'));
      expect(events.map((event) => [event.type, event.version, event.data.policy])).toEqual([
        ['BiometricPolicySet', 1, { ...defaults, matchThreshold: 0.72, livenessRequired: true }],
        ['BiometricPolicySet', 1, strict],
        ['BiometricPolicyRemoved', 1, undefined],
      ]);
      expect(events.every((event) => event.data.storeId === store.id)).toBe(true);
    } finally {
      await prisma.$disconnect();
    }
  });
});
