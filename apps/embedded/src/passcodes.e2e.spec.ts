import { SecretBox } from '@identity-store/crypto';
import { createPrismaClient } from '@identity-store/event-store';
import { credentialsFor, proofFor, srpPassword, uniqueName } from '@identity-store/testing';
import { SRP } from 'fast-srp-hap';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';

/**
 * Passcodes (SRP-6a, RFC 5054) end to end over HTTP through the gateway, on real PostgreSQL and the
 * real Kafka broker. The client side is fast-srp-hap's SrpClient — an independent implementation —
 * with its RFC 5054 2048-bit group (g = 2) and SHA-256, the policy default, after the policy's KDF
 * (libs/testing/src/srp/passcode-client.ts). Session expiry (5 min)
 * needs a clock this suite cannot move: the decider's unit spec covers it.
 */

/** The policy default: OWASP's argon2id (README "Passcodes"). */
const ARGON2ID = { algorithm: 'argon2id', memoryKiB: 19456, iterations: 2, parallelism: 1 };

const errorPaths = (answer: HttpAnswer): string[] =>
  [...new Set<string>(answer.body.errors.map((e: { path: string }) => e.path))].sort();

describe('passcodes end to end through the gateway (Kafka + PostgreSQL)', () => {
  const { call, api, system, secretsKey } = useE2eSystem('e2e_pc');
  const storeName = uniqueName('pc');
  const otherStore = uniqueName('pc_other');
  const policy = { name: 'default', validity: 'P90D', maxFailedAttempts: 3, lockoutDuration: 'PT15M' };

  /** `…/users/{ref}` by internal id, or `…/users/{extId}` with `/ext` appended to the operation path. */
  const byId = (userId: string) => (path: string) => api(`/${storeName}/users/${userId}${path}`);
  const byExt = (extId: string) => (path: string) => api(`/${storeName}/users/${extId}${path}/ext`);
  const session = (ceremony: string, sessionId: string, store = storeName) =>
    api(`/${store}/passcodes/${ceremony}/sessions/${sessionId}`);

  let alice: { id: string; extId: string };
  let bob: { id: string; extId: string };
  const passwords = { alice: 'correct horse battery staple', bob: 'Tr0ub4dor&3' };

  const startAuthentication = async (user: (path: string) => string, expected = 201) => {
    const started = await call('POST', user('/passcodes/authentications/default'));
    expect(started.status).toBe(expected);
    return started.body;
  };

  /** A whole authentication; M2 is checked by the client on success. */
  const authenticate = async (
    user: (path: string) => string,
    password: string,
    context?: Record<string, unknown>,
  ) => {
    const challenge = await startAuthentication(user);
    const proof = await proofFor(challenge, password);
    const done = await call('POST', session('authentications', challenge.sessionId), {
      A: proof.A,
      M1: proof.M1,
      ...(context ? { context } : {}),
    });
    if (done.status === 200) proof.checkM2(done.body.M2);
    return done;
  };

  const passcodeOf = async (userId: string) => {
    const read = await call('GET', byId(userId)('/passcodes/registrations/default'));
    expect(read.status).toBe(200);
    return read.body;
  };

  // Setup, not a test (F15): two stores with the policy, and two users.
  beforeAll(async () => {
    for (const name of [storeName, otherStore])
      expect((await call('POST', api(''), { name, passcodePolicies: { default: policy } })).status).toBe(201);
    const created = async (extId: string) => {
      const answer = await call('POST', api(`/${storeName}/users`), { extId });
      expect(answer.status).toBe(200);
      return answer.body;
    };
    alice = await created('alice');
    bob = await created('bob');
  });

  it('registers by internal and by external id; the session is single-use; a second registration is 409', async () => {
    const started = await call('POST', byId(alice.id)('/passcodes/registrations/default'));
    expect(started.status).toBe(201);
    expect(started.body).toEqual({
      sessionId: expect.any(String),
      identity: alice.id,
      srpGroup: 2048,
      hash: 'SHA-256',
      kdf: ARGON2ID,
      clientRules: {
        minLength: 8,
        maxLength: 64,
        requireDigit: false,
        requireLetter: false,
        requireSymbol: false,
      },
      expiresDtm: expect.any(String),
    });
    const ttl = Date.parse(started.body.expiresDtm) - Date.now();
    expect(ttl).toBeGreaterThan(250_000);
    expect(ttl).toBeLessThanOrEqual(300_000);

    const credentials = await credentialsFor(alice.id, passwords.alice, started.body.kdf);
    const completed = await call('POST', session('registrations', started.body.sessionId), credentials);
    expect(completed.status).toBe(200);
    expect(completed.body.id).toBe(alice.id);
    expect(completed.body.summaryInfo.passcodes).toEqual({
      count: 1,
      items: [
        {
          id: expect.any(String),
          status: 'ACTIVE',
          policyName: 'default',
          createdDtm: expect.any(String),
          lastUsedDtm: null,
          expirationDtm: expect.any(String),
          lockedUntil: null,
        },
      ],
    });
    const item = completed.body.summaryInfo.passcodes.items[0];
    const days = (Date.parse(item.expirationDtm) - Date.parse(item.createdDtm)) / 86_400_000;
    expect(days).toBe(90);

    const replayed = await call('POST', session('registrations', started.body.sessionId), credentials);
    expect([replayed.status, replayed.body.code]).toEqual([404, 'PASSCODE_SESSION_NOT_FOUND']);
    const again = await call('POST', byExt('alice')('/passcodes/registrations/default'));
    expect([again.status, again.body.code]).toEqual([409, 'PASSCODE_ALREADY_REGISTERED']);

    const bobStarted = await call('POST', byExt('bob')('/passcodes/registrations/default'));
    expect([bobStarted.status, bobStarted.body.identity]).toEqual([201, bob.id]);
    const bobCompleted = await call(
      'POST',
      session('registrations', bobStarted.body.sessionId),
      await credentialsFor(bob.id, passwords.bob, bobStarted.body.kdf),
    );
    expect(bobCompleted.status).toBe(200);
    expect(bobCompleted.body.summaryInfo.passcodes.count).toBe(1);
  });

  it('reads, lists and finds passcodes by id and by external id, never showing salt or verifier', async () => {
    const passcode = await passcodeOf(alice.id);
    expect(passcode).toEqual({
      id: expect.any(String),
      policyName: 'default',
      status: 'ACTIVE',
      protocol: 'SRP',
      srpGroup: 2048,
      hash: 'SHA-256',
      createdDtm: expect.any(String),
      lastUsedDtm: null,
      expirationDtm: expect.any(String),
      failedAttempts: 0,
      lockedUntil: null,
      kdf: ARGON2ID,
    });
    expect((await call('GET', byExt('alice')('/passcodes/registrations/default'))).body).toEqual(passcode);
    expect((await call('GET', byId(alice.id)(`/passcodes/${passcode.id}`))).body).toEqual(passcode);
    expect((await call('GET', byExt('alice')(`/passcodes/${passcode.id}`))).body).toEqual(passcode);
    const listed = await call('GET', byId(alice.id)('/passcodes'));
    expect(listed.body).toEqual({ content: [passcode], page: 0, size: 20, totalElements: 1, totalPages: 1 });
    expect((await call('GET', byExt('alice')('/passcodes'))).body).toEqual(listed.body);
    expect(JSON.stringify(listed.body)).not.toMatch(/salt|verifier/i);

    expect((await call('GET', byId(alice.id)('/passcodes/nope'))).status).toBe(404);
    expect((await call('GET', byId(alice.id)('/passcodes/registrations/unknown-policy'))).body.code).toBe(
      'POLICY_NOT_FOUND',
    );
  });

  it('authenticates: M2 convinces the client, the audit is readable, summaryInfo follows', async () => {
    const challenge = await startAuthentication(byExt('alice'));
    expect(challenge).toEqual({
      sessionId: expect.any(String),
      identity: alice.id,
      salt: expect.stringMatching(/^[0-9a-f]{32}$/),
      B: expect.stringMatching(/^[0-9a-f]{512}$/),
      srpGroup: 2048,
      hash: 'SHA-256',
      kdf: ARGON2ID,
      expiresDtm: expect.any(String),
    });
    const proof = await proofFor(challenge, passwords.alice);
    const done = await call('POST', session('authentications', challenge.sessionId), {
      A: proof.A,
      M1: proof.M1,
      context: { ip: '203.0.113.7' },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      result: 'SUCCESS',
      M2: expect.stringMatching(/^[0-9a-f]{64}$/),
      authenticationId: expect.any(String),
    });
    expect(() => proof.checkM2(done.body.M2)).not.toThrow();
    const summary = done.body.user.summaryInfo;
    expect(summary.lastAuthentication).toEqual({
      type: 'Passcode',
      result: 'SUCCESS',
      dtm: expect.any(String),
    });
    expect(summary.passcodes.items[0].lastUsedDtm).toBe(summary.lastAuthentication.dtm);

    const passcode = await passcodeOf(alice.id);
    const audit = await call('GET', byId(alice.id)(`/authentications/${done.body.authenticationId}`));
    expect(audit.status).toBe(200);
    expect(audit.body).toEqual({
      id: done.body.authenticationId,
      userId: alice.id,
      type: 'Passcode',
      result: 'SUCCESS',
      createdDtm: summary.lastAuthentication.dtm,
      context: { ip: '203.0.113.7' },
      credentialId: passcode.id,
      policyName: 'default',
      passcodeInfo: { id: passcode.id, status: 'ACTIVE', expirationDtm: passcode.expirationDtm },
      passcodeAuditInfo: {
        protocol: 'SRP',
        ceremony: 'AUTHENTICATION',
        policyName: 'default',
        srpGroup: 2048,
        hash: 'SHA-256',
        failedAttempts: 0,
        locked: false,
      },
    });
    expect(
      (await call('GET', byExt('alice')(`/authentications/${done.body.authenticationId}`))).body,
    ).toEqual(audit.body);

    const replayed = await call('POST', session('authentications', challenge.sessionId), {
      A: proof.A,
      M1: proof.M1,
    });
    expect([replayed.status, replayed.body.code]).toEqual([404, 'PASSCODE_SESSION_NOT_FOUND']);
  });

  it('a wrong passcode is a 400 FAILURE, audited with passcodeInfo and passcodeAuditInfo', async () => {
    const failed = await authenticate(byId(alice.id), 'not the passcode');
    expect(failed.status).toBe(400);
    expect(failed.body).toEqual({
      result: 'FAILURE',
      authenticationId: expect.any(String),
      reason: 'INVALID_PROOF',
      user: expect.any(Object),
    });
    expect(failed.body.user.summaryInfo.lastAuthentication).toMatchObject({
      type: 'Passcode',
      result: 'FAILURE',
    });
    const audit = await call('GET', byId(alice.id)(`/authentications/${failed.body.authenticationId}`));
    expect(audit.body).toMatchObject({
      type: 'Passcode',
      result: 'FAILURE',
      reason: 'INVALID_PROOF',
      passcodeInfo: { status: 'ACTIVE' },
      passcodeAuditInfo: { protocol: 'SRP', failedAttempts: 1, locked: false },
    });
    // a success resets the count
    expect((await authenticate(byId(alice.id), passwords.alice)).status).toBe(200);
    expect((await passcodeOf(alice.id)).failedAttempts).toBe(0);
  });

  it('names malformed SRP values (400) and stores nothing: the session stays usable, no attempt is counted', async () => {
    const challenge = await startAuthentication(byId(alice.id));
    const proof = await proofFor(challenge, passwords.alice);
    const url = session('authentications', challenge.sessionId);

    const badHex = await call('POST', url, { A: proof.A.replace(/^../, 'zz'), M1: proof.M1 });
    expect([badHex.status, badHex.body.code, errorPaths(badHex)]).toEqual([
      400,
      'INVALID_SRP_VALUE',
      ['body.A'],
    ]);
    expect(badHex.headers.get('content-type')).toContain('application/problem+json');
    const badLengths = await call('POST', url, { A: proof.A.slice(2), M1: `${proof.M1}00` });
    expect(errorPaths(badLengths)).toEqual(['body.A', 'body.M1']);
    const zero = await call('POST', url, { A: '00'.repeat(256), M1: proof.M1 });
    expect([zero.status, errorPaths(zero)]).toEqual([400, ['body.A']]);
    const shape = await call('POST', url, { A: 42, extra: true });
    expect([shape.status, shape.body.code, errorPaths(shape)]).toEqual([
      400,
      'VALIDATION_FAILED',
      ['body', 'body.A', 'body.M1'],
    ]);
    expect((await passcodeOf(alice.id)).failedAttempts).toBe(0);

    const done = await call('POST', url, { A: proof.A, M1: proof.M1 });
    expect(done.status).toBe(200);
    proof.checkM2(done.body.M2);

    // registration values too: every bad one named, nothing registered
    const carol = (await call('POST', api(`/${storeName}/users`), { extId: 'carol' })).body;
    const started = await call('POST', byId(carol.id)('/passcodes/registrations/default'));
    const bad = await call('POST', session('registrations', started.body.sessionId), {
      salt: 'abcd',
      verifier: 'ab'.repeat(256 + 1),
    });
    expect([bad.status, errorPaths(bad)]).toEqual([400, ['body.salt', 'body.verifier']]);
    expect((await call('GET', byId(carol.id)('/passcodes'))).body.totalElements).toBe(0);
  });

  it('a session id used through another store is 404 (and stays usable in its own store)', async () => {
    const challenge = await startAuthentication(byId(alice.id));
    const proof = await proofFor(challenge, passwords.alice);
    const elsewhere = await call('POST', session('authentications', challenge.sessionId, otherStore), {
      A: proof.A,
      M1: proof.M1,
    });
    expect([elsewhere.status, elsewhere.body.code]).toEqual([404, 'PASSCODE_SESSION_NOT_FOUND']);
    const unknown = await call('POST', session('authentications', '00000000-0000-4000-8000-000000000000'), {
      A: proof.A,
      M1: proof.M1,
    });
    expect(unknown.status).toBe(404);
    expect(
      (await call('POST', session('authentications', challenge.sessionId), { A: proof.A, M1: proof.M1 }))
        .status,
    ).toBe(200);
  });

  it('renews with a proof of the old passcode: the old one fails afterwards, the new one works', async () => {
    const before = await passcodeOf(bob.id);
    const challenge = (await call('POST', byExt('bob')('/passcodes/renewals/default'))).body;
    expect(challenge).toMatchObject({
      identity: bob.id,
      srpGroup: 2048,
      hash: 'SHA-256',
      clientRules: { minLength: 8 },
    });
    const proof = await proofFor(challenge, passwords.bob);
    const newPassword = 'a brand new passcode';
    const renewed = await call('POST', session('renewals', challenge.sessionId), {
      A: proof.A,
      M1: proof.M1,
      ...(await credentialsFor(bob.id, newPassword, challenge.newKdf)),
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({ result: 'SUCCESS', M2: expect.any(String), user: { id: bob.id } });
    proof.checkM2(renewed.body.M2);
    // The renewal's proof is audited as the renewal it was.
    const renewalAudit = await call('GET', byId(bob.id)(`/authentications/${renewed.body.authenticationId}`));
    expect(renewalAudit.body).toMatchObject({ type: 'Passcode', result: 'SUCCESS', passcodeAuditInfo: { ceremony: 'RENEWAL' } });
    const item = renewed.body.user.summaryInfo.passcodes.items[0];
    expect(item.id).toBe(before.id);
    expect(Date.parse(item.expirationDtm)).toBeGreaterThan(Date.parse(before.expirationDtm));

    expect((await authenticate(byId(bob.id), passwords.bob)).status).toBe(400);
    expect((await authenticate(byId(bob.id), newPassword)).status).toBe(200);
    passwords.bob = newPassword;

    // a wrong old passcode renews nothing and counts as a failed attempt
    const second = (await call('POST', byId(bob.id)('/passcodes/renewals/default'))).body;
    const wrong = await proofFor(second, 'not it');
    const refused = await call('POST', session('renewals', second.sessionId), {
      A: wrong.A,
      M1: wrong.M1,
      ...(await credentialsFor(bob.id, 'x', second.newKdf)),
    });
    expect([refused.status, refused.body.result]).toEqual([400, 'FAILURE']);
    expect((await passcodeOf(bob.id)).failedAttempts).toBe(1);
    expect((await authenticate(byId(bob.id), newPassword)).status).toBe(200);
  });

  it('locks after maxFailedAttempts (423 even for the right passcode) until an administrator re-activates it', async () => {
    for (const attempt of [1, 2, 3]) {
      const failed = await authenticate(byId(alice.id), `wrong ${attempt}`);
      expect(failed.status).toBe(400);
      if (attempt === 3) expect(failed.body.user.summaryInfo.passcodes.items[0].status).toBe('LOCKED');
    }
    const locked = await call('POST', byId(alice.id)('/passcodes/authentications/default'));
    expect([locked.status, locked.body.code]).toEqual([423, 'PASSCODE_LOCKED']);
    const passcode = await passcodeOf(alice.id);
    expect(passcode).toMatchObject({ status: 'LOCKED', failedAttempts: 3, lockedUntil: expect.any(String) });
    const summaryItem = async () =>
      (await call('GET', api(`/${storeName}/users/${alice.id}`))).body.summaryInfo.passcodes.items[0];
    expect(await summaryItem()).toMatchObject({ status: 'LOCKED', lockedUntil: passcode.lockedUntil });

    const unlocked = await call('POST', byId(alice.id)(`/passcodes/${passcode.id}`), { status: 'ACTIVE' });
    expect([unlocked.status, unlocked.body.status, unlocked.body.failedAttempts]).toEqual([200, 'ACTIVE', 0]);
    expect(await summaryItem()).toMatchObject({ status: 'ACTIVE', lockedUntil: null });
    expect((await authenticate(byId(alice.id), passwords.alice)).status).toBe(200);
  });

  it('updates status and expiration: SUSPENDED cannot authenticate, an expired passcode is PASSCODE_EXPIRED', async () => {
    const passcode = await passcodeOf(alice.id);
    const suspended = await call('POST', byExt('alice')(`/passcodes/${passcode.id}`), {
      status: 'SUSPENDED',
    });
    expect([suspended.status, suspended.body.status]).toEqual([200, 'SUSPENDED']);
    const refused = await call('POST', byId(alice.id)('/passcodes/authentications/default'));
    expect([refused.status, refused.body.code]).toEqual([403, 'PASSCODE_SUSPENDED']);
    expect(
      (await call('GET', api(`/${storeName}/users/${alice.id}`))).body.summaryInfo.passcodes.items[0].status,
    ).toBe('SUSPENDED');

    expect((await call('POST', byId(alice.id)(`/passcodes/${passcode.id}`), {})).status).toBe(400);
    const past = new Date(Date.now() - 60_000).toISOString();
    const expired = await call('POST', byId(alice.id)(`/passcodes/${passcode.id}`), {
      status: 'ACTIVE',
      expirationDtm: past,
    });
    expect(expired.body).toMatchObject({ status: 'ACTIVE', expirationDtm: past });
    const failed = await call('POST', byId(alice.id)('/passcodes/authentications/default'));
    expect([failed.status, failed.body.code]).toEqual([400, 'PASSCODE_EXPIRED']);
    const renewal = await call('POST', byId(alice.id)('/passcodes/renewals/default'));
    expect([renewal.status, renewal.body.code]).toEqual([400, 'PASSCODE_EXPIRED']);

    // an expired passcode is replaced by a new registration
    const started = await call('POST', byId(alice.id)('/passcodes/registrations/default'));
    expect(started.status).toBe(201);
    const replaced = await call(
      'POST',
      session('registrations', started.body.sessionId),
      await credentialsFor(alice.id, passwords.alice, started.body.kdf),
    );
    expect(replaced.body.summaryInfo.passcodes.count).toBe(1);
    expect(replaced.body.summaryInfo.passcodes.items[0].id).not.toBe(passcode.id);
    expect((await authenticate(byExt('alice'), passwords.alice)).status).toBe(200);
  });

  it('REVOKED is final; delete (204) and deregister (200 with the user) remove passcodes', async () => {
    const passcode = await passcodeOf(alice.id);
    expect(
      (await call('POST', byId(alice.id)(`/passcodes/${passcode.id}`), { status: 'REVOKED' })).body.status,
    ).toBe('REVOKED');
    expect(
      (await call('POST', byId(alice.id)(`/passcodes/${passcode.id}`), { status: 'ACTIVE' })).body.code,
    ).toBe('PASSCODE_REVOKED');
    expect((await call('POST', byId(alice.id)('/passcodes/authentications/default'))).status).toBe(403);

    expect((await call('DELETE', byId(alice.id)(`/passcodes/${passcode.id}`))).status).toBe(204);
    expect((await call('GET', byId(alice.id)(`/passcodes/${passcode.id}`))).status).toBe(404);
    expect((await call('GET', api(`/${storeName}/users/${alice.id}`))).body.summaryInfo.passcodes.count).toBe(
      0,
    );

    const bobPasscode = await passcodeOf(bob.id);
    const deleted = await call('DELETE', byExt('bob')(`/passcodes/${bobPasscode.id}`));
    expect(deleted.status).toBe(204);
    const again = await call('POST', byExt('bob')('/passcodes/registrations/default'));
    await call(
      'POST',
      session('registrations', again.body.sessionId),
      await credentialsFor(bob.id, passwords.bob, again.body.kdf),
    );
    const deregistered = await call('POST', byExt('bob')('/passcodes/deregistrations/default'));
    expect(deregistered.status).toBe(200);
    expect(deregistered.body.summaryInfo.passcodes).toEqual({ count: 0, items: [] });
    const twice = await call('POST', byId(bob.id)('/passcodes/deregistrations/default'));
    expect([twice.status, twice.body.code]).toEqual([404, 'PASSCODE_NOT_FOUND']);
  });

  it('keeps salts, verifiers and server secrets out of the stored events (encrypted) and the published ones; closed sessions leave the directory', async () => {
    // A registration whose values this test knows.
    const dave = (await call('POST', api(`/${storeName}/users`), { extId: 'dave' })).body;
    const started = await call('POST', byId(dave.id)('/passcodes/registrations/default'));
    const credentials = await credentialsFor(dave.id, 'dave’s passcode', started.body.kdf);
    await call('POST', session('registrations', started.body.sessionId), credentials);
    const challenge = await startAuthentication(byId(dave.id));

    const prisma = createPrismaClient(system().databases.passcode!);
    try {
      const events = await prisma.$queryRaw<Array<{ data: string }>>`SELECT data::text AS data FROM events`;
      const outbox = await prisma.$queryRaw<
        Array<{ topic: string; value: string }>
      >`SELECT topic, value FROM outbox`;
      const stored = events.map((e) => e.data).join('\n');
      const published = outbox.map((o) => o.value).join('\n');
      expect(stored).toContain('encryptedVerifier');
      expect(stored).toContain(challenge.B); // B is public
      for (const secret of [credentials.salt, credentials.verifier]) {
        expect(stored).not.toContain(secret);
        expect(published).not.toContain(secret);
      }
      expect(published).not.toMatch(/encrypted|sessionId|"B"/);
      expect(published).not.toContain(challenge.sessionId);
      expect(new Set(outbox.map((o) => o.topic))).toEqual(new Set(['identity-store.passcode']));
      expect(published).toContain('PasscodeRegistrationCompleted');

      // The session directory holds open sessions only: the completed registration's key is released.
      const keys = await prisma.$queryRaw<
        Array<{ key: string }>
      >`SELECT key FROM unique_keys WHERE scope = 'passcode-session'`;
      expect(keys.map((k) => k.key)).toContain(challenge.sessionId);
      expect(keys.map((k) => k.key)).not.toContain(started.body.sessionId);
    } finally {
      await prisma.$disconnect();
    }
  });
  // ---- key stretching: the policy's KDF, applied by the client before SRP -----------------------

  /** A new user of the store with a passcode registered under `policyName` (kdf as the start named it). */
  const userWithPasscode = async (extId: string, passcode: string, policyName = 'default') => {
    const user = (await call('POST', api(`/${storeName}/users`), { extId })).body;
    const started = await call('POST', byId(user.id)(`/passcodes/registrations/${policyName}`));
    expect(started.status).toBe(201);
    const credentials = await credentialsFor(user.id, passcode, started.body.kdf);
    const completed = await call('POST', session('registrations', started.body.sessionId), credentials);
    expect(completed.status).toBe(200);
    const passcodeId: string = completed.body.summaryInfo.passcodes.items.find(
      (item: { policyName: string }) => item.policyName === policyName,
    ).id;
    return { user, started: started.body, credentials, passcodeId };
  };

  /** The verifier the passcode service stored (decrypted with the system's SECRETS_KEY). */
  const storedVerifier = async (userId: string, passcodeId: string) => {
    const prisma = createPrismaClient(system().databases.passcode!);
    try {
      const rows = await prisma.$queryRaw<Array<{ encrypted: string }>>`
        SELECT data->>'encryptedVerifier' AS encrypted FROM events
        WHERE data->>'passcodeId' = ${passcodeId} AND data ? 'encryptedVerifier'
        ORDER BY position DESC LIMIT 1`;
      return new SecretBox(secretsKey)
        .decrypt(rows[0]!.encrypted, `${userId}/passcode:${passcodeId}:verifier`)
        .toString('hex');
    } finally {
      await prisma.$disconnect();
    }
  };

  const plainVerifier = (identity: string, saltHex: string, password: string) =>
    SRP.computeVerifier(
      SRP.params[2048],
      Buffer.from(saltHex, 'hex'),
      Buffer.from(identity),
      Buffer.from(password),
    ).toString('hex');

  it('stretches by default: the stored verifier is not g^H(s | H(I:P)) of the passcode, and a plain RFC 5054 proof fails', async () => {
    const passcode = 'stretch me, please';
    const { user, started, credentials, passcodeId } = await userWithPasscode('erin', passcode);
    expect(started.kdf).toEqual(ARGON2ID);

    const verifier = await storedVerifier(user.id, passcodeId);
    expect(verifier).toBe(credentials.verifier);
    expect(verifier).not.toBe(plainVerifier(user.id, credentials.salt, passcode));
    const stretched = await srpPassword(ARGON2ID as never, passcode, credentials.salt);
    expect(stretched).toMatch(/^[0-9a-f]{64}$/);
    expect(verifier).toBe(plainVerifier(user.id, credentials.salt, stretched));

    // A client that ignores the KDF is refused; one that applies it succeeds.
    const challenge = await startAuthentication(byId(user.id));
    expect(challenge.kdf).toEqual(ARGON2ID);
    const plain = await proofFor({ ...challenge, kdf: null }, passcode);
    const refused = await call('POST', session('authentications', challenge.sessionId), {
      A: plain.A,
      M1: plain.M1,
    });
    expect([refused.status, refused.body.result]).toEqual([400, 'FAILURE']);
    expect((await authenticate(byId(user.id), passcode)).status).toBe(200);
  });

  it('a policy with kdf null is plain RFC 5054 (the verifier is g^H(s | H(I:P)))', async () => {
    const created = await call('POST', api(`/${storeName}/passcodePolicy`), { name: 'plain', kdf: null });
    expect([created.status, created.body.passcodePolicies.plain.kdf]).toEqual([201, null]);
    const passcode = 'no stretching here';
    const { user, started, credentials, passcodeId } = await userWithPasscode('fiona', passcode, 'plain');
    expect(started.kdf).toBeNull();
    expect(await storedVerifier(user.id, passcodeId)).toBe(
      plainVerifier(user.id, credentials.salt, passcode),
    );
    const challenge = (await call('POST', byId(user.id)('/passcodes/authentications/plain'))).body;
    expect(challenge.kdf).toBeNull();
    const proof = await proofFor(challenge, passcode);
    const done = await call('POST', session('authentications', challenge.sessionId), {
      A: proof.A,
      M1: proof.M1,
    });
    expect(done.status).toBe(200);
    proof.checkM2(done.body.M2);
  });

  it('a policy change after registration keeps the passcode working; a renewal moves it to the new KDF', async () => {
    const PBKDF2 = { algorithm: 'PBKDF2-SHA256', iterations: 600000 };
    expect((await call('POST', api(`/${storeName}/passcodePolicy`), { name: 'moving' })).status).toBe(201);
    const passcode = 'registered under argon2id';
    const { user, passcodeId } = await userWithPasscode('gina', passcode, 'moving');
    const changed = await call('POST', api(`/${storeName}/passcodePolicy/moving`), {
      kdf: { algorithm: 'PBKDF2-SHA256' },
    });
    expect([changed.status, changed.body.passcodePolicies.moving.kdf]).toEqual([200, PBKDF2]);
    const otherField = await call('POST', api(`/${storeName}/passcodePolicy/moving`), {
      maxFailedAttempts: 4,
    });
    expect(otherField.body.passcodePolicies.moving.kdf).toEqual(PBKDF2);

    const authenticateMoving = async (secret: string) => {
      const challenge = (await call('POST', byId(user.id)('/passcodes/authentications/moving'))).body;
      const proof = await proofFor(challenge, secret);
      const done = await call('POST', session('authentications', challenge.sessionId), {
        A: proof.A,
        M1: proof.M1,
      });
      return { challenge, done };
    };
    const before = await authenticateMoving(passcode);
    expect(before.challenge.kdf).toEqual(ARGON2ID);
    expect(before.done.status).toBe(200);
    expect((await call('GET', byId(user.id)(`/passcodes/${passcodeId}`))).body.kdf).toEqual(ARGON2ID);

    const renewal = (await call('POST', byId(user.id)('/passcodes/renewals/moving'))).body;
    expect([renewal.kdf, renewal.newKdf]).toEqual([ARGON2ID, PBKDF2]);
    const proof = await proofFor(renewal, passcode);
    const newPasscode = 'renewed under PBKDF2';
    const renewed = await call('POST', session('renewals', renewal.sessionId), {
      A: proof.A,
      M1: proof.M1,
      ...(await credentialsFor(user.id, newPasscode, renewal.newKdf)),
    });
    expect(renewed.status).toBe(200);
    const after = await authenticateMoving(newPasscode);
    expect(after.challenge.kdf).toEqual(PBKDF2);
    expect(after.done.status).toBe(200);
  });

  it('rejects KDF parameters below OWASP’s minimum or above the bounds, naming each (nothing stored)', async () => {
    const refused = await call('POST', api(`/${storeName}/passcodePolicy`), {
      name: 'weak',
      kdf: { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1 },
    });
    expect([refused.status, errorPaths(refused)]).toEqual([400, ['body.kdf.memoryKiB']]);
    const huge = await call('POST', api(`/${storeName}/passcodePolicy`), {
      name: 'weak',
      kdf: { algorithm: 'PBKDF2-SHA256', iterations: 100_000_000 },
    });
    expect([huge.status, errorPaths(huge)]).toEqual([400, ['body.kdf.iterations']]);
    expect((await call('GET', api(`/${storeName}/passcodePolicy/weak`))).status).toBe(404);
  });

  // ---- L3: the answers do not tell whether a user has a passcode --------------------------------

  it('a user without a passcode for the policy gets a challenge like a real one, and fails like a wrong proof', async () => {
    const passcode = 'a real one';
    const { user: real } = await userWithPasscode('hank', passcode);
    const none = (await call('POST', api(`/${storeName}/users`), { extId: 'ivy' })).body;

    const realStart = await call('POST', byId(real.id)('/passcodes/authentications/default'));
    const decoyStart = await call('POST', byId(none.id)('/passcodes/authentications/default'));
    expect(decoyStart.status).toBe(realStart.status);
    expect(Object.keys(decoyStart.body)).toEqual(Object.keys(realStart.body));
    const shape = {
      sessionId: expect.any(String),
      salt: expect.stringMatching(/^[0-9a-f]{32}$/),
      B: expect.stringMatching(/^[0-9a-f]{512}$/),
      srpGroup: 2048,
      hash: 'SHA-256',
      kdf: ARGON2ID,
      expiresDtm: expect.any(String),
    };
    expect(realStart.body).toEqual({ ...shape, identity: real.id });
    expect(decoyStart.body).toEqual({ ...shape, identity: none.id });
    // The salt is stable, as a real passcode's is; B is fresh each time.
    const again = (await call('POST', byId(none.id)('/passcodes/authentications/default'))).body;
    expect(again.salt).toBe(decoyStart.body.salt);
    expect(again.B).not.toBe(decoyStart.body.B);

    const wrongProof = async (challenge: { sessionId: string }, answer: typeof realStart.body) => {
      const proof = await proofFor(answer, 'a guess');
      return call('POST', session('authentications', challenge.sessionId), { A: proof.A, M1: proof.M1 });
    };
    const realFailure = await wrongProof(realStart.body, realStart.body);
    const decoyFailure = await wrongProof(decoyStart.body, decoyStart.body);
    expect(decoyFailure.status).toBe(realFailure.status);
    const failure = {
      result: 'FAILURE',
      authenticationId: expect.any(String),
      reason: 'INVALID_PROOF',
      user: expect.any(Object),
    };
    expect(realFailure.body).toEqual(failure);
    expect(decoyFailure.body).toEqual(failure);
    expect(decoyFailure.body.user.summaryInfo.lastAuthentication).toEqual({
      type: 'Passcode',
      result: 'FAILURE',
      dtm: expect.any(String),
    });
    // Single-use like a real session; malformed values are named like for a real session.
    const replayed = await wrongProof(decoyStart.body, decoyStart.body);
    expect([replayed.status, replayed.body.code]).toEqual([404, 'PASSCODE_SESSION_NOT_FOUND']);
    const malformed = await call('POST', session('authentications', again.sessionId), { A: 'zz', M1: 'zz' });
    expect([malformed.status, malformed.body.code, errorPaths(malformed)]).toEqual([
      400,
      'INVALID_SRP_VALUE',
      ['body.A', 'body.M1'],
    ]);

    // The audit (read with the passcode-listing permission) tells the truth.
    const audit = await call('GET', byId(none.id)(`/authentications/${decoyFailure.body.authenticationId}`));
    expect(audit.body).toMatchObject({ type: 'Passcode', result: 'FAILURE', reason: 'PASSCODE_NOT_FOUND' });
    expect(audit.body.passcodeInfo).toBeUndefined();
  });
});
