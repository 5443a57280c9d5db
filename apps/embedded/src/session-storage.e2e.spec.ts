import { randomBytes } from 'node:crypto';
import { withPgClient } from '@identity-store/event-store';
import { SoftwareAuthenticator, uniqueName } from '@identity-store/testing';
import { SRP } from 'fast-srp-hap';
import { useE2eSystem } from './testing/e2e-system';

/**
 * Bounded storage of ceremony sessions (review finding M8), end to end over HTTP through the
 * gateway on real PostgreSQL and Kafka. The credential services run on a clock this suite moves
 * forward, so sessions expire without waiting; the session sweeper runs when the suite says so
 * (its own schedule is an hour away), two expired keys per query.
 */

const RP_ID = 'example.com';
const ORIGIN = 'https://login.example.com';
const MINUTE = 60_000;

let clockOffsetMs = 0;

describe('expired sessions are swept, open sessions are capped (Kafka + PostgreSQL)', () => {
  const { call, api, system } = useE2eSystem('e2e_sessions', {
    clock: () => new Date(Date.now() + clockOffsetMs),
    storage: { sessionSweep: { intervalMs: 60 * MINUTE, batchSize: 2 }, outboxRetentionMs: 10 * MINUTE },
  });
  const storeName = uniqueName('sessions');
  const passkeyUrl = (path: string) => api(`/${storeName}/passkeys${path}`);
  const passcodeSession = (ceremony: string, sessionId: string) =>
    api(`/${storeName}/passcodes/${ceremony}/sessions/${sessionId}`);
  const passkeySession = (ceremony: string, sessionId: string) =>
    api(`/${storeName}/passkeys/${ceremony}/sessions/${sessionId}`);
  const user = (userId: string) => (path: string) => api(`/${storeName}/users/${userId}${path}`);

  /** Rows of a service's own database. */
  const rows = <T>(service: 'passcode' | 'passkey', sql: string, values: unknown[] = []) =>
    withPgClient(
      system().databases[service]!,
      async (client) => (await client.query(sql, values)).rows as T[],
    );
  const sessionKey = (service: 'passcode' | 'passkey', sessionId: string) =>
    rows<{ stream_id: string; expires_at: Date }>(
      service,
      'SELECT stream_id, expires_at FROM unique_keys WHERE scope = $1 AND key = $2',
      [`${service}-session`, sessionId],
    );
  const eventTypes = async (service: 'passcode' | 'passkey', streamId: string) =>
    (
      await rows<{ type: string }>(
        service,
        'SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_version',
        [streamId],
      )
    ).map((row) => row.type);

  const credentialsFor = (identity: string) => {
    const group = SRP.params[2048];
    const salt = randomBytes(16);
    const verifier = SRP.computeVerifier(group, salt, Buffer.from(identity), Buffer.from('correct horse'));
    return { salt: salt.toString('hex'), verifier: verifier.toString('hex') };
  };

  let alice: { id: string };
  let bob: { id: string };
  const alicePhone = new SoftwareAuthenticator();

  beforeAll(async () => {
    const created = await call('POST', api(''), {
      name: storeName,
      passcodePolicies: { default: { name: 'default' } },
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
    alice = (await call('POST', api(`/${storeName}/users`), { extId: 'alice' })).body;
    bob = (await call('POST', api(`/${storeName}/users`), { extId: 'bob' })).body;
    // Alice's discoverable passkey: what answers a usernameless start.
    const options = (
      await call('POST', user(alice.id)(`/passkeys/relyingParties/${RP_ID}/registrations/default`))
    ).body;
    const registered = await call(
      'POST',
      passkeySession('registrations', options.sessionId),
      alicePhone.createCredential(options.publicKey, { origin: ORIGIN }),
    );
    expect(registered.status).toBe(200);
  });

  it('a usernameless passkey start never completed: 410 once expired, then swept — its key and session are gone (404)', async () => {
    const started = await call('POST', passkeyUrl(`/relyingParties/${RP_ID}/authentications/default`));
    expect(started.status).toBe(201);
    const { sessionId, expiresDtm } = started.body;
    const streamId = `passkey-session-${sessionId}`;
    expect(await sessionKey('passkey', sessionId)).toEqual([
      { stream_id: streamId, expires_at: new Date(expiresDtm) },
    ]);

    clockOffsetMs += 6 * MINUTE;
    const response = alicePhone.getAssertion(started.body.publicKey, { origin: ORIGIN });
    const expired = await call('POST', passkeySession('authentications', sessionId), response);
    expect([expired.status, expired.body.code]).toEqual([410, 'PASSKEY_SESSION_EXPIRED']);
    expect(await sessionKey('passkey', sessionId)).toHaveLength(1);

    expect(await system().sweepSessions()).toBeGreaterThanOrEqual(1);
    expect(await sessionKey('passkey', sessionId)).toEqual([]);
    expect(await eventTypes('passkey', streamId)).toEqual([
      'PasskeyAuthenticationStarted',
      'PasskeySessionsExpired',
    ]);
    const gone = await call('POST', passkeySession('authentications', sessionId), response);
    expect([gone.status, gone.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);

    // Published without the session id in its data (a capability), with what consumers may count.
    const [published] = await rows<{ value: string }>(
      'passkey',
      `SELECT value FROM outbox WHERE value::jsonb->>'type' = 'PasskeySessionsExpired' AND value::jsonb->>'streamId' = $1`,
      [streamId],
    );
    const message = JSON.parse(published!.value);
    expect(message.data).toEqual({
      reason: 'EXPIRED',
      sessions: [
        { kind: 'AUTHENTICATION', rpId: RP_ID, policyName: 'default', usernameless: true, expiresDtm },
      ],
      at: expect.any(String),
    });
    expect(JSON.stringify(message.data)).not.toContain(sessionId);
  });

  it('sweeps every expired session of both families in one run, page after page; open ones stay', async () => {
    const usernameless = [];
    for (let i = 0; i < 5; i++)
      usernameless.push(
        (await call('POST', passkeyUrl(`/relyingParties/${RP_ID}/authentications/default`))).body,
      );
    const registrations = [];
    for (const who of [alice, bob])
      registrations.push((await call('POST', user(who.id)('/passcodes/registrations/default'))).body);
    const passkeyRegistration = (
      await call('POST', user(bob.id)(`/passkeys/relyingParties/${RP_ID}/registrations/default`))
    ).body;

    clockOffsetMs += 6 * MINUTE;
    const stillOpen = (
      await call('POST', user(alice.id)(`/passkeys/relyingParties/${RP_ID}/registrations/default`))
    ).body;
    // 5 usernameless streams, 2 passcode users, Bob's passkey stream: 8 streams, 2 keys a page.
    expect(await system().sweepSessions()).toBe(8);
    for (const { sessionId } of [...usernameless, passkeyRegistration])
      expect(await sessionKey('passkey', sessionId)).toEqual([]);
    for (const { sessionId } of registrations) expect(await sessionKey('passcode', sessionId)).toEqual([]);
    expect(await eventTypes('passcode', `passcode-user-${alice.id}`)).toEqual([
      'PasscodeRegistrationStarted',
      'PasscodeSessionsExpired',
    ]);
    const gone = await call(
      'POST',
      passcodeSession('registrations', registrations[0].sessionId),
      credentialsFor(alice.id),
    );
    expect([gone.status, gone.body.code]).toEqual([404, 'PASSCODE_SESSION_NOT_FOUND']);

    expect(await sessionKey('passkey', stillOpen.sessionId)).toHaveLength(1);
    expect(await system().sweepSessions()).toBe(0);
    const registered = await call(
      'POST',
      passkeySession('registrations', stillOpen.sessionId),
      new SoftwareAuthenticator().createCredential(stillOpen.publicKey, { origin: ORIGIN }),
    );
    expect(registered.status).toBe(200);
  });

  it('passcodes: the 11th open session evicts the oldest (404); the newest completes', async () => {
    const carol = (await call('POST', api(`/${storeName}/users`), { extId: 'carol' })).body;
    const started = [];
    for (let i = 0; i < 11; i++) {
      const answer = await call('POST', user(carol.id)('/passcodes/registrations/default'));
      expect(answer.status).toBe(201);
      started.push(answer.body.sessionId as string);
    }
    const keys = await rows('passcode', 'SELECT key FROM unique_keys WHERE stream_id = $1', [
      `passcode-user-${carol.id}`,
    ]);
    expect(keys).toHaveLength(10);
    expect(await sessionKey('passcode', started[0]!)).toEqual([]);
    const types = await eventTypes('passcode', `passcode-user-${carol.id}`);
    expect(types.slice(-2)).toEqual(['PasscodeSessionsExpired', 'PasscodeRegistrationStarted']);

    const evicted = await call(
      'POST',
      passcodeSession('registrations', started[0]!),
      credentialsFor(carol.id),
    );
    expect([evicted.status, evicted.body.code]).toEqual([404, 'PASSCODE_SESSION_NOT_FOUND']);
    const newest = await call(
      'POST',
      passcodeSession('registrations', started[10]!),
      credentialsFor(carol.id),
    );
    expect(newest.status).toBe(200);
  });

  it('passkeys: the 11th open session evicts the oldest (404); the newest completes', async () => {
    const dave = (await call('POST', api(`/${storeName}/users`), { extId: 'dave' })).body;
    const davePhone = new SoftwareAuthenticator();
    const started = [];
    for (let i = 0; i < 11; i++) {
      const answer = await call(
        'POST',
        user(dave.id)(`/passkeys/relyingParties/${RP_ID}/registrations/default`),
      );
      expect(answer.status).toBe(201);
      started.push(answer.body);
    }
    const keys = await rows('passkey', 'SELECT key FROM unique_keys WHERE stream_id = $1 AND scope = $2', [
      `passkey-user-${dave.id}`,
      'passkey-session',
    ]);
    expect(keys).toHaveLength(10);

    const oldest = started[0];
    const evicted = await call(
      'POST',
      passkeySession('registrations', oldest.sessionId),
      davePhone.createCredential(oldest.publicKey, { origin: ORIGIN }),
    );
    expect([evicted.status, evicted.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);
    const newest = started[10];
    const registered = await call(
      'POST',
      passkeySession('registrations', newest.sessionId),
      davePhone.createCredential(newest.publicKey, { origin: ORIGIN }),
    );
    expect(registered.status).toBe(200);
    expect(registered.body.summaryInfo.passkeys.count).toBe(1);
  });

  it('Kafka mode prunes published outbox rows past the retention (which rows: outbox-retention.int.spec.ts)', async () => {
    await system().drainOutboxes();
    const count = async (where: string) =>
      (await rows<{ n: number }>('passkey', `SELECT count(*)::int AS n FROM outbox WHERE ${where}`))[0]!.n;
    const published = await count('published_at IS NOT NULL');
    expect(published).toBeGreaterThan(20);
    // Half of them published 11 minutes ago: past the 10-minute retention.
    const aged = Math.floor(published / 2);
    await rows(
      'passkey',
      `UPDATE outbox SET published_at = now() - interval '11 minutes'
       WHERE position IN (SELECT position FROM outbox ORDER BY position LIMIT $1)`,
      [aged],
    );
    expect(await system().pruneOutboxes()).toBe(aged);
    expect(await count('published_at IS NOT NULL')).toBe(published - aged);
  });
});
