import { createPrismaClient } from '@identity-store/event-store';
import { credentialsFor, proofFor, SoftwareAuthenticator, uniqueName } from '@identity-store/testing';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';
import { base32Decode, currentStep, totpCode } from './testing/totp-client';

/**
 * Rules that hold across the credential services, end to end through the gateway on real
 * PostgreSQL and the real Kafka broker (test audit F3, F5, F17; review L9):
 * - a user who is not ACTIVE can neither start nor complete any TOTP or passcode ceremony (403);
 * - single use under concurrency: the same TOTP code, SRP session or passkey session sent N times at
 *   once succeeds exactly once, and parallel failures never get past the lockout;
 * - TOTP secrets are neither stored in clear nor published;
 * - a passkey with an RS1 (SHA-1) key is refused.
 */

const RP_ID = 'example.com';
const ORIGIN = 'https://login.example.com';
/** Requests sent at once in the concurrency cases. */
const N = 8;
const MAX_FAILED = 3;

const statusesOf = (answers: HttpAnswer[]) => answers.map((answer) => answer.status).sort();
const count = (answers: HttpAnswer[], status: number) =>
  answers.filter((answer) => answer.status === status).length;
/** How a losing completion of a single-use session was answered: the session is gone (404), or a conflict. */
const refusedAsUsed = (answer: HttpAnswer) =>
  answer.status === 409 ? '409' : `${answer.status} ${answer.body?.code}`;

describe('credential rules end to end (Kafka + PostgreSQL)', () => {
  const { call, api, system } = useE2eSystem('e2e_rules');
  const storeName = uniqueName('rules');

  const user = (id: string) => (path: string) => api(`/${storeName}/users/${id}${path}`);
  const passcodeSession = (ceremony: string, sessionId: string) =>
    api(`/${storeName}/passcodes/${ceremony}/sessions/${sessionId}`);
  const newUser = async (extId: string): Promise<{ id: string }> => {
    const created = await call('POST', api(`/${storeName}/users`), { extId });
    expect(created.status).toBe(200);
    return created.body;
  };
  const setStatus = async (userId: string, status: string) =>
    expect((await call('POST', api(`/${storeName}/users/${userId}`), { status })).status).toBe(200);

  /** A completed TOTP registration under `policy` (at the current step); returns the base32 secret. */
  const registerTotp = async (userId: string, policy = 'default') => {
    const started = await call('POST', user(userId)(`/totps/registrations/${policy}`));
    expect(started.status).toBe(201);
    const completed = await call('POST', user(userId)(`/totps/registrations/${policy}/complete`), {
      code: totpCode(started.body.secret, currentStep()),
    });
    expect(completed.status).toBe(200);
    return started.body.secret as string;
  };

  /** A registered passcode under `policy`. */
  const registerPasscode = async (userId: string, passcode: string, policy = 'default') => {
    const started = await call('POST', user(userId)(`/passcodes/registrations/${policy}`));
    expect(started.status).toBe(201);
    const done = await call(
      'POST',
      passcodeSession('registrations', started.body.sessionId),
      await credentialsFor(userId, passcode, started.body.kdf),
    );
    expect(done.status).toBe(200);
  };

  const startPasscode = async (userId: string, ceremony: 'authentications' | 'renewals') => {
    const started = await call('POST', user(userId)(`/passcodes/${ceremony}/default`));
    expect(started.status).toBe(201);
    return started.body;
  };

  it('sets up a store with TOTP, passcode and passkey policies', async () => {
    const totpPolicy = { issuer: 'Rules', maxFailedAttempts: MAX_FAILED, lockoutDuration: 'PT15M' };
    const created = await call('POST', api(''), {
      name: storeName,
      totpPolicies: {
        default: totpPolicy,
        second: totpPolicy,
        roomy: { ...totpPolicy, maxFailedAttempts: 50 },
      },
      passcodePolicies: {
        default: { maxFailedAttempts: MAX_FAILED },
        second: { maxFailedAttempts: MAX_FAILED },
      },
      passkeyConfigs: {
        [RP_ID]: {
          rpName: 'Example',
          origins: [ORIGIN],
          registrationPolicies: { default: { residentKey: 'required' } },
          authenticationPolicies: { default: {} },
        },
      },
    });
    expect(created.status).toBe(201);
  });

  // ---- F3: USER_NOT_ACTIVE ------------------------------------------------------------------------

  it.each(['DISABLED', 'LOCKED'])(
    'a %s user: every TOTP and passcode start and completion is 403 USER_NOT_ACTIVE; open sessions wait',
    async (status) => {
      const passcode = `the ${status} user's passcode`;
      const { id } = await newUser(`inactive-${status.toLowerCase()}`);
      await registerTotp(id);
      await registerPasscode(id, passcode);
      // Ceremonies opened while the user was ACTIVE.
      const pendingTotp = await call('POST', user(id)('/totps/registrations/second'));
      expect(pendingTotp.status).toBe(201);
      const registration = (await call('POST', user(id)('/passcodes/registrations/second'))).body;
      const authentication = await startPasscode(id, 'authentications');
      const renewal = await startPasscode(id, 'renewals');
      const proof = await proofFor(authentication, passcode);
      const renewalProof = await proofFor(renewal, passcode);

      await setStatus(id, status);
      const step = currentStep();
      const answers: Record<string, HttpAnswer> = {
        totpRegistrationStart: await call('POST', user(id)('/totps/registrations/roomy')),
        totpRegistrationComplete: await call('POST', user(id)('/totps/registrations/second/complete'), {
          code: totpCode(pendingTotp.body.secret, step),
        }),
        totpAuthentication: await call('POST', user(id)('/totps/authentications/default'), {
          code: '123456',
        }),
        passcodeRegistrationStart: await call('POST', user(id)('/passcodes/registrations/second')),
        passcodeRegistrationComplete: await call(
          'POST',
          passcodeSession('registrations', registration.sessionId),
          await credentialsFor(id, 'another passcode', registration.kdf),
        ),
        passcodeAuthenticationStart: await call('POST', user(id)('/passcodes/authentications/default')),
        passcodeAuthenticationComplete: await call(
          'POST',
          passcodeSession('authentications', authentication.sessionId),
          {
            A: proof.A,
            M1: proof.M1,
          },
        ),
        passcodeRenewalStart: await call('POST', user(id)('/passcodes/renewals/default')),
        passcodeRenewalComplete: await call('POST', passcodeSession('renewals', renewal.sessionId), {
          A: renewalProof.A,
          M1: renewalProof.M1,
          ...(await credentialsFor(id, 'a renewed passcode', renewal.newKdf)),
        }),
      };
      for (const [operation, answer] of Object.entries(answers))
        expect([operation, answer.status, answer.body.code]).toEqual([operation, 403, 'USER_NOT_ACTIVE']);

      // Nothing was consumed or counted: once ACTIVE again, the open session completes.
      await setStatus(id, 'ACTIVE');
      const done = await call('POST', passcodeSession('authentications', authentication.sessionId), {
        A: proof.A,
        M1: proof.M1,
      });
      expect(done.status).toBe(200);
      expect(done.body.user.summaryInfo.passcodes.items[0].status).toBe('ACTIVE');
    },
  );

  // ---- F5: single use under concurrency -----------------------------------------------------------

  it(`the same TOTP code sent ${N} times at once is accepted exactly once`, async () => {
    const { id } = await newUser('totp-race');
    const secret = await registerTotp(id, 'roomy');
    const code = totpCode(secret, currentStep() + 1);
    const answers = await Promise.all(
      Array.from({ length: N }, () => call('POST', user(id)('/totps/authentications/roomy'), { code })),
    );
    expect(count(answers, 200)).toBe(1);
    expect(statusesOf(answers)).toEqual([200, ...Array(N - 1).fill(400)]);
    for (const answer of answers.filter((a) => a.status === 400))
      expect(answer.body).toMatchObject({ result: 'FAILURE', reason: 'CODE_REPLAYED' });
  });

  it(`one SRP authentication session completed ${N} times at once succeeds exactly once`, async () => {
    const { id } = await newUser('srp-race');
    await registerPasscode(id, 'race me');
    const challenge = await startPasscode(id, 'authentications');
    const proof = await proofFor(challenge, 'race me');
    const answers = await Promise.all(
      Array.from({ length: N }, () =>
        call('POST', passcodeSession('authentications', challenge.sessionId), { A: proof.A, M1: proof.M1 }),
      ),
    );
    expect(count(answers, 200)).toBe(1);
    for (const answer of answers.filter((a) => a.status !== 200))
      expect(refusedAsUsed(answer)).toMatch(/^(409|404 PASSCODE_SESSION_NOT_FOUND)$/);
  });

  it(`one passkey authentication session completed ${N} times at once succeeds exactly once`, async () => {
    const { id } = await newUser('passkey-race');
    const authenticator = new SoftwareAuthenticator();
    const registration = await call(
      'POST',
      user(id)(`/passkeys/relyingParties/${RP_ID}/registrations/default`),
    );
    const registered = await call(
      'POST',
      api(`/${storeName}/passkeys/registrations/sessions/${registration.body.sessionId}`),
      authenticator.createCredential(registration.body.publicKey, { origin: ORIGIN }),
    );
    expect(registered.status).toBe(200);
    const started = await call('POST', user(id)(`/passkeys/relyingParties/${RP_ID}/authentications/default`));
    const assertion = authenticator.getAssertion(started.body.publicKey, { origin: ORIGIN });
    const answers = await Promise.all(
      Array.from({ length: N }, () =>
        call(
          'POST',
          api(`/${storeName}/passkeys/authentications/sessions/${started.body.sessionId}`),
          assertion,
        ),
      ),
    );
    expect(count(answers, 200)).toBe(1);
    for (const answer of answers.filter((a) => a.status !== 200))
      expect(refusedAsUsed(answer)).toMatch(/^(409|404 PASSKEY_SESSION_NOT_FOUND)$/);
  });

  it(`${N} parallel wrong TOTP codes: at most maxFailedAttempts failures, then the lock (423)`, async () => {
    const { id } = await newUser('totp-lockout-race');
    const secret = await registerTotp(id);
    const step = currentStep();
    const right = new Set([-1, 0, 1, 2].map((d) => totpCode(secret, step + d)));
    const wrong = Array.from({ length: N + 4 }, (_, i) => String(100_000 + i * 7_919))
      .filter((code) => !right.has(code))
      .slice(0, N);
    const answers = await Promise.all(
      wrong.map((code) => call('POST', user(id)('/totps/authentications/default'), { code })),
    );
    expect(count(answers, 400)).toBe(MAX_FAILED);
    expect(count(answers, 423)).toBe(N - MAX_FAILED);
    expect(statusesOf(answers).every((s) => s === 400 || s === 423)).toBe(true);
    const credential = (await call('GET', user(id)('/totps'))).body.content[0];
    expect(credential).toMatchObject({ status: 'LOCKED', failedAttempts: MAX_FAILED });
  });

  it(`${N} parallel wrong passcode proofs: at most maxFailedAttempts failures, then the lock (423)`, async () => {
    const { id } = await newUser('srp-lockout-race');
    await registerPasscode(id, 'the right one');
    const challenges = [];
    for (let i = 0; i < N; i++) challenges.push(await startPasscode(id, 'authentications'));
    const answers = await Promise.all(
      challenges.map(async (challenge, i) => {
        const proof = await proofFor(challenge, `wrong ${i}`);
        return call('POST', passcodeSession('authentications', challenge.sessionId), {
          A: proof.A,
          M1: proof.M1,
        });
      }),
    );
    expect(count(answers, 400)).toBe(MAX_FAILED);
    expect(count(answers, 423)).toBe(N - MAX_FAILED);
    const passcode = (await call('GET', user(id)('/passcodes/registrations/default'))).body;
    expect(passcode).toMatchObject({ status: 'LOCKED', failedAttempts: MAX_FAILED });
  });

  // ---- F17: TOTP secrets at rest and in the outbox ------------------------------------------------

  it('a TOTP secret is neither in the stored events nor in the outbox (in any encoding)', async () => {
    const { id } = await newUser('totp-at-rest');
    const secret = await registerTotp(id);
    const raw = base32Decode(secret);
    const forms = [
      secret,
      secret.toLowerCase(),
      raw.toString('hex'),
      raw.toString('base64'),
      raw.toString('base64url'),
    ];
    const prisma = createPrismaClient(system().databases.totp!);
    try {
      const events = await prisma.$queryRaw<Array<{ data: string }>>`SELECT data::text AS data FROM events`;
      const outbox = await prisma.$queryRaw<Array<{ value: string }>>`SELECT value FROM outbox`;
      const stored = events.map((e) => e.data).join('\n');
      const published = outbox.map((o) => o.value).join('\n');
      expect(stored).toContain('encryptedSecret'); // the registration is there, encrypted
      expect(published).toContain('TotpRegistrationStarted');
      for (const form of forms) {
        expect(stored).not.toContain(form);
        expect(published).not.toContain(form);
      }
      expect(published).not.toContain('encryptedSecret');
    } finally {
      await prisma.$disconnect();
    }
  });

  // ---- L9: no RS1 passkeys ------------------------------------------------------------------------

  it('a passkey with an RS1 (SHA-1) key is refused; an RS256 one registers', async () => {
    const { id } = await newUser('rs1');
    const authenticator = new SoftwareAuthenticator();
    const register = async (algorithm: -65535 | -257) => {
      const started = await call('POST', user(id)(`/passkeys/relyingParties/${RP_ID}/registrations/default`));
      expect(started.body.publicKey.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([
        -8, -7, -257,
      ]);
      return call(
        'POST',
        api(`/${storeName}/passkeys/registrations/sessions/${started.body.sessionId}`),
        authenticator.createCredential(started.body.publicKey, { origin: ORIGIN, algorithm }),
      );
    };
    const refused = await register(-65535);
    expect([refused.status, refused.body.code, refused.body.reason]).toEqual([
      400,
      'PASSKEY_REGISTRATION_FAILED',
      'INVALID_ATTESTATION',
    ]);
    expect((await call('GET', user(id)('/passkeys'))).body.totalElements).toBe(0);
    expect((await register(-257)).status).toBe(200);
  });
});
