import { SecretBox } from '@identity-store/crypto';
import { createPrismaClient, PostgresEventStore, type PrismaClient } from '@identity-store/event-store';
import { uniqueName } from '@identity-store/testing';
import { IdentityService } from '@identity-store/identity';
import { srpCredentials, srpProof, wrongTotpCode } from './testing/credential-clients';
import { currentStep, totpCode } from './testing/totp-client';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';

/**
 * Review findings M1 (bounded durations and dates), M2 (attribute schemas) and L7 (client-caused
 * errors) end to end through the gateway, on real PostgreSQL and Kafka. "Stored before the fix"
 * stores are written through an IdentityService of their own on the system's identity database:
 * the service takes what its routes validate, which is how such stores came to exist.
 */

/** The fields a problem names, each once. */
const paths = (answer: HttpAnswer): string[] =>
  [...new Set<string>((answer.body.errors ?? []).map((e: { path: string }) => e.path))].sort();

describe('hardened inputs end to end (M1, M2, L7)', () => {
  const { call, api, system, secretsKey } = useE2eSystem('e2e_hard');
  let prisma: PrismaClient;
  /** The identity service as it was before the fix: it stores what it is given. */
  let direct: IdentityService;
  const request = { metadata: { correlationId: 'e2e-hardening' } };
  const noPolicies = { totpPolicies: [], passcodePolicies: [], passkeyConfigs: [] };

  beforeAll(() => {
    prisma = createPrismaClient(system().databases.identity!, { poolSize: 2 });
    direct = new IdentityService(new PostgresEventStore(prisma), new SecretBox(secretsKey));
  });
  afterAll(async () => {
    await prisma?.$disconnect();
  });

  const createUser = async (store: string, extId: string) => {
    const created = await call('POST', api(`/${store}/users`), { extId });
    expect(created.status).toBe(200);
    return created.body.id as string;
  };

  /** Registers and activates a TOTP for the user; returns the secret. */
  const registerTotp = async (store: string, userId: string) => {
    const started = await call('POST', api(`/${store}/users/${userId}/totps/registrations/default`));
    expect(started.status).toBe(201);
    const secret: string = started.body.secret;
    const completed = await call('POST', api(`/${store}/users/${userId}/totps/registrations/default/complete`), {
      code: totpCode(secret, currentStep()),
    });
    expect(completed.status).toBe(200);
    return secret;
  };

  /** Wrong codes until the lock: each answer is a counted failure (400), the last one locks; then 423. */
  const exhaustTotp = async (store: string, userId: string, secret: string, maxFailedAttempts: number) => {
    const path = api(`/${store}/users/${userId}/totps/authentications/default`);
    for (let attempt = 1; attempt <= maxFailedAttempts; attempt++) {
      const failed = await call('POST', path, { code: wrongTotpCode(secret) });
      expect({ attempt, status: failed.status, reason: failed.body.reason }).toEqual({ attempt, status: 400, reason: 'INVALID_CODE' });
    }
    const locked = await call('POST', path, { code: totpCode(secret, currentStep()) });
    expect(locked.status).toBe(423);
    expect(locked.body.code).toBe('TOTP_LOCKED');
    const [credential] = (await call('GET', api(`/${store}/users/${userId}/totps`))).body.content;
    return credential as { status: string; failedAttempts: number; lockedUntil: string };
  };

  describe('M1: durations and dates', () => {
    const store = uniqueName('m1');
    const policy = { name: 'default', issuer: 'Acme', maxFailedAttempts: 3, lockoutDuration: 'P10Y' };

    it('refuses a policy with lockoutDuration P1000000Y (400 naming the field) and changes nothing', async () => {
      expect((await call('POST', api(''), { name: store })).status).toBe(201);
      const totp = await call('POST', api(`/${store}/totpPolicy`), { ...policy, lockoutDuration: 'P1000000Y' });
      expect(totp.status).toBe(400);
      expect(totp.body.errors).toEqual([{ path: 'body.lockoutDuration', message: 'must be at most P10Y (10 years)' }]);
      const passcode = await call('POST', api(`/${store}/passcodePolicy`), { name: 'default', validity: 'P1000000Y', lockoutDuration: 'PT99999999999H' });
      expect(paths(passcode)).toEqual(['body.lockoutDuration', 'body.validity']);
      const inStore = await call('POST', api(''), { name: uniqueName('m1_body'), totpPolicies: { default: { ...policy, lockoutDuration: 'P11Y' } } });
      expect(paths(inStore)).toEqual(['body.totpPolicies.default.lockoutDuration']);
      const stored = (await call('GET', api(`/${store}`))).body;
      expect([stored.totpPolicies, stored.passcodePolicies]).toEqual([{}, {}]);
    });

    it('exhausting a policy with the largest duration (P10Y) locks: 423, never 500', async () => {
      expect((await call('POST', api(`/${store}/totpPolicy`), policy)).status).toBe(201);
      const userId = await createUser(store, 'ten-years');
      const credential = await exhaustTotp(store, userId, await registerTotp(store, userId), 3);
      expect(credential).toMatchObject({ status: 'LOCKED', failedAttempts: 3 });
      const years = (Date.parse(credential.lockedUntil) - Date.now()) / (365.2425 * 86_400_000);
      expect(Math.round(years)).toBe(10);
    });

    it('a TOTP policy stored before the bound (P1000000Y) locks until 9999-12-31: every failure counted, 423, never 500', async () => {
      const legacy = uniqueName('m1_legacy');
      await direct.createStore(
        { name: legacy, attributeSchema: null, ...noPolicies, totpPolicies: [{ ...policy, algorithm: 'SHA1', digits: 6, period: 30, window: 1, lockoutDuration: 'P1000000Y' }] },
        request,
      );
      const userId = await createUser(legacy, 'forever');
      const credential = await exhaustTotp(legacy, userId, await registerTotp(legacy, userId), 3);
      expect(credential).toMatchObject({ status: 'LOCKED', failedAttempts: 3, lockedUntil: '9999-12-31T23:59:59.999Z' });
    });

    it('a passcode policy stored before the bound locks at the last failure, consuming its session; 423 afterwards', async () => {
      const legacy = uniqueName('m1_pc');
      const passcodePolicy = {
        name: 'default',
        protocol: 'SRP' as const,
        srpGroup: 2048 as const,
        hash: 'SHA-256' as const,
        clientRules: { minLength: 8, maxLength: 64, requireDigit: false, requireLetter: false, requireSymbol: false },
        validity: 'P1000000Y',
        renewalWindow: null,
        maxFailedAttempts: 2,
        lockoutDuration: 'P1000000Y',
        kdf: null, // plain RFC 5054, as policies stored before KDFs are (this suite's SRP client does not stretch)
      };
      await direct.createStore({ name: legacy, attributeSchema: null, ...noPolicies, passcodePolicies: [passcodePolicy] }, request);
      const userId = await createUser(legacy, 'pc');
      const user = (path: string) => api(`/${legacy}/users/${userId}${path}`);
      const session = (kind: string, id: string) => api(`/${legacy}/passcodes/${kind}/sessions/${id}`);

      const registration = await call('POST', user('/passcodes/registrations/default'));
      expect(registration.status).toBe(201);
      const registered = await call('POST', session('registrations', registration.body.sessionId), srpCredentials(userId, 'the right one'));
      expect(registered.status).toBe(200);
      expect(registered.body.summaryInfo.passcodes.items[0].expirationDtm).toBe('9999-12-31T23:59:59.999Z');

      let last: { sessionId: string; proof: { A: string; M1: string } } | undefined;
      for (let attempt = 1; attempt <= 2; attempt++) {
        const challenge = await call('POST', user('/passcodes/authentications/default'));
        expect(challenge.status).toBe(201);
        last = { sessionId: challenge.body.sessionId, proof: srpProof(challenge.body, 'a wrong guess') };
        const failed = await call('POST', session('authentications', last.sessionId), last.proof);
        expect({ attempt, status: failed.status, result: failed.body.result }).toEqual({ attempt, status: 400, result: 'FAILURE' });
      }
      // The locking failure consumed its session: replaying it is not another guess.
      expect((await call('POST', session('authentications', last!.sessionId), last!.proof)).status).toBe(404);
      const locked = await call('POST', user('/passcodes/authentications/default'));
      expect(locked.status).toBe(423);
      expect(locked.body.code).toBe('PASSCODE_LOCKED');
      const [passcode] = (await call('GET', user('/passcodes'))).body.content;
      expect(passcode).toMatchObject({ status: 'LOCKED', failedAttempts: 2, lockedUntil: '9999-12-31T23:59:59.999Z' });

      const tooEarly = await call('POST', user(`/passcodes/${passcode.id}`), { expirationDtm: '0001-01-01T00:00:00Z' });
      expect(tooEarly.status).toBe(400);
      expect(paths(tooEarly)).toEqual(['body.expirationDtm']);
    });
  });

  describe('M2: attribute schemas', () => {
    it('refuses a new schema declaring an $id or referring to another schema, naming where', async () => {
      const withId = await call('POST', api(''), { name: uniqueName('m2_id'), attributeSchema: { $id: 'https://tenant-a.example/s', type: 'object' } });
      expect(withId.status).toBe(400);
      expect(paths(withId)).toEqual(['body.attributeSchema.$id']);
      const withRef = await call('POST', api(''), { name: uniqueName('m2_ref'), attributeSchema: { $ref: 'https://tenant-a.example/s' } });
      expect(paths(withRef)).toEqual(['body.attributeSchema.$ref']);
      const looping = await call('POST', api(''), { name: uniqueName('m2_loop'), attributeSchema: { $ref: '#' } });
      expect(looping.status).toBe(400);
    });

    it('pattern ^(a+)+$ against a 48-character attribute answers promptly and rightly', async () => {
      const store = uniqueName('m2_redos');
      const schema = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } };
      expect((await call('POST', api(''), { name: store, attributeSchema: schema })).status).toBe(201);
      const refused = await call('POST', api(`/${store}/users`), { extId: 'evil', attributes: { name: `${'a'.repeat(48)}!` } });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([{ path: 'body.attributes.name', message: 'must match pattern "^(a+)+$"' }]);
      expect((await call('POST', api(`/${store}/users`), { extId: 'fine', attributes: { name: 'a'.repeat(48) } })).status).toBe(200);
    });

    it('stores from before the rules that share an $id stay isolated; one referring to another answers 409, never 500', async () => {
      const sharedId = 'https://tenant.example/attributes';
      const storeA = uniqueName('m2_a');
      const storeB = uniqueName('m2_b');
      const storeC = uniqueName('m2_c');
      await direct.createStore({ name: storeA, attributeSchema: { required: ['a'], type: 'object', $id: sharedId }, ...noPolicies }, request);
      await direct.createStore({ name: storeB, attributeSchema: { required: ['b'], type: 'object', $id: sharedId }, ...noPolicies }, request);
      await direct.createStore({ name: storeC, attributeSchema: null, ...noPolicies }, request);
      const carol = await createUser(storeC, 'carol');
      await direct.changeStore(storeC, { type: 'UpdateStore', attributeSchema: { $ref: sharedId } }, request);

      for (let round = 0; round < 2; round++) {
        expect((await call('POST', api(`/${storeA}/users`), { extId: `a${round}`, attributes: { a: 1 } })).status).toBe(200);
        expect((await call('POST', api(`/${storeA}/users`), { extId: `x${round}`, attributes: { b: 1 } })).status).toBe(400);
        expect((await call('POST', api(`/${storeB}/users`), { extId: `b${round}`, attributes: { b: 1 } })).status).toBe(200);
      }
      const created = await call('POST', api(`/${storeC}/users`), { extId: 'dave', attributes: { a: 1 } });
      expect(created.status).toBe(409);
      expect(created.body.code).toBe('ATTRIBUTE_SCHEMA_UNUSABLE');
      expect((await call('POST', api(`/${storeC}/users/${carol}`), { attributes: {} })).status).toBe(409);
      expect((await call('POST', api(`/${storeC}/users/${carol}`), { status: 'DISABLED' })).status).toBe(200);
      expect((await call('DELETE', api(`/${storeC}/users/${carol}`))).status).toBe(204);
    });

    it('refuses user attributes over 32 KiB, naming them', async () => {
      const store = uniqueName('m2_size');
      expect((await call('POST', api(''), { name: store })).status).toBe(201);
      const big = await call('POST', api(`/${store}/users`), { extId: 'big', attributes: { blob: 'x'.repeat(40_000) } });
      expect(big.status).toBe(400);
      expect(paths(big)).toEqual(['body.attributes']);
    });
  });

  describe('L7: client-caused errors are 4xx', () => {
    const store = uniqueName('l7');
    let userId: string;
    let secret: string;

    it('a NUL or an unpaired surrogate in any string of a request is 400 naming the field, and nothing is stored', async () => {
      expect((await call('POST', api(''), { name: store, totpPolicies: { default: { issuer: 'Acme' } } })).status).toBe(201);
      userId = await createUser(store, 'l7');
      secret = await registerTotp(store, userId);

      const nulAttribute = await call('POST', api(`/${store}/users`), { extId: 'nul', attributes: { note: 'a\u0000b' } });
      expect(nulAttribute.status).toBe(400);
      expect(paths(nulAttribute)).toEqual(['body.attributes.note']);
      // a lone surrogate as JSON sends it: the escape, not a UTF-8 byte sequence
      const surrogate = await call('POST', api(`/${store}/users`), '{"extId":"sur","attributes":{"note":"\\ud800"}}');
      expect(paths(surrogate)).toEqual(['body.attributes.note']);
      const nulContext = await call('POST', api(`/${store}/users/${userId}/totps/authentications/default`), {
        code: wrongTotpCode(secret),
        context: { device: { name: '\u0000' } },
      });
      expect(nulContext.status).toBe(400);
      expect(paths(nulContext)).toEqual(['body.context.device.name']);
      const nulPath = await call('GET', api(`/${store}/users/a%00b`));
      expect(nulPath.status).toBe(400);
      expect(paths(nulPath)).toEqual(['params.userId']);
      const nulQuery = await call('GET', api(`/${store}/users?sort=extId%00`));
      expect(paths(nulQuery)).toEqual(['query.sort']);

      const users = (await call('GET', api(`/${store}/users`))).body;
      expect(users.totalElements).toBe(1);
      const [totp] = (await call('GET', api(`/${store}/users/${userId}/totps`))).body.content;
      expect(totp.failedAttempts).toBe(0);
    });

    it('a page beyond the first 10,000 items is 400 naming page (a 2^53 one too)', async () => {
      for (const query of ['page=100&size=100', `page=${2 ** 53}&size=100`, 'page=1e300']) {
        const listed = await call('GET', api(`/${store}/users?${query}`));
        expect({ query, status: listed.status, paths: paths(listed) }).toEqual({ query, status: 400, paths: ['query.page'] });
      }
      expect((await call('GET', api(`/${store}/users?page=99&size=100`))).status).toBe(200);
    });

    it('concurrent writes to one user answer 200 or 409 CONCURRENT_MODIFICATION with Retry-After, never 500', async () => {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => call('POST', api(`/${store}/users/${userId}`), { attributes: { round: i } })),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status !== 200 && status !== 409)).toEqual([]);
      for (const answer of answers.filter((a) => a.status === 409)) {
        expect(answer.body.code).toBe('CONCURRENT_MODIFICATION');
        expect(answer.headers.get('retry-after')).toBe('1');
      }
      expect(statuses).toContain(200);
    });
  });
});
