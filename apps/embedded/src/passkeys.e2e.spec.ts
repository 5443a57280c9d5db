import { createPrismaClient } from '@identity-store/event-store';
import {
  type CreateCredentialKnobs,
  type GetAssertionKnobs,
  SoftwareAuthenticator,
  uniqueName,
} from '@identity-store/testing';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';

/**
 * Passkeys (WebAuthn L3) end to end over HTTP through the gateway, on real PostgreSQL and the real
 * Kafka broker. The browser and authenticator are libs/testing's SoftwareAuthenticator: ES256 keys,
 * `none` and `packed` self attestation, authenticator data flags and signature counters as a test
 * asks for them (also the ones a relying party must reject). Session expiry needs a clock this
 * suite cannot move: the decider's unit spec covers it.
 */

const RP_ID = 'example.com';
const ORIGIN = 'https://login.example.com';
const KEY_AAGUID = 'adce0002-35bc-c60a-648b-0b25f1f05503';
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

const passkeyConfig = {
  rpName: 'Example',
  origins: ['https://example.com', ORIGIN],
  registrationPolicies: {
    default: { residentKey: 'required', userVerification: 'preferred', hints: ['client-device', 'hybrid'] },
    strict: {
      attestation: 'direct',
      userVerification: 'required',
      authenticatorAttachment: 'cross-platform',
      hints: ['security-key'],
      timeout: 60_000,
    },
  },
  authenticationPolicies: {
    default: { hints: ['client-device'] },
    strict: { userVerification: 'required', hints: ['security-key', 'hybrid'], timeout: 120_000 },
  },
};

const errorPaths = (answer: HttpAnswer): string[] =>
  [...new Set<string>(answer.body.errors.map((e: { path: string }) => e.path))].sort();

const b64url = (text: string) => Buffer.from(text).toString('base64url');

/** A registration response for another session's challenge, re-using a credential's attestation ("none": unsigned). */
const withChallenge = <R extends { response: { clientDataJSON: string } }>(
  response: R,
  challenge: string,
): R => ({
  ...response,
  response: {
    ...response.response,
    clientDataJSON: b64url(
      JSON.stringify({ type: 'webauthn.create', challenge, origin: ORIGIN, crossOrigin: false }),
    ),
  },
});

describe('passkeys end to end through the gateway (Kafka + PostgreSQL)', () => {
  const { call, api, system } = useE2eSystem('e2e_pk');
  const storeName = uniqueName('pk');
  const otherStore = uniqueName('pk_other');

  type UserPath = (path: string) => string;
  const byId =
    (userId: string, store = storeName): UserPath =>
    (path) =>
      api(`/${store}/users/${userId}${path}`);
  const byExt =
    (extId: string, store = storeName): UserPath =>
    (path) =>
      api(`/${store}/users/${extId}${path}/ext`);
  const sessionUrl = (ceremony: 'registrations' | 'authentications', sessionId: string, store = storeName) =>
    api(`/${store}/passkeys/${ceremony}/sessions/${sessionId}`);
  const storeLevel = (path: string, store = storeName) => api(`/${store}/passkeys${path}`);

  type User = { id: string; extId: string };
  let alice: User;
  let bob: User;
  let carol: User;
  let erin: User;
  // Alice's platform authenticator (synced-capable, discoverable) and her security key (packed, AAGUID).
  const alicePhone = new SoftwareAuthenticator();
  const aliceKey = new SoftwareAuthenticator({ aaguid: KEY_AAGUID });
  const bobPhone = new SoftwareAuthenticator();
  const carolPhone = new SoftwareAuthenticator();
  const erinSynced = new SoftwareAuthenticator();
  const stranger = new SoftwareAuthenticator();
  /** Alice's first registration response, re-used to try registering its credential again. */
  let aliceFirstResponse: ReturnType<SoftwareAuthenticator['createCredential']>;
  const passkeyIds: Record<string, string> = {};

  const startRegistration = async (user: UserPath, policy = 'default') => {
    const started = await call('POST', user(`/passkeys/relyingParties/${RP_ID}/registrations/${policy}`));
    expect(started.status).toBe(201);
    return started.body;
  };

  /** A whole registration: start, create the credential, complete. */
  const register = async (
    user: UserPath,
    authenticator: SoftwareAuthenticator,
    knobs: Partial<CreateCredentialKnobs> = {},
    policy = 'default',
    extras: Record<string, unknown> = {},
  ) => {
    const started = await startRegistration(user, policy);
    const response = authenticator.createCredential(started.publicKey, { origin: ORIGIN, ...knobs });
    const completed = await call('POST', sessionUrl('registrations', started.sessionId), {
      ...response,
      ...extras,
    });
    return { started, response, completed };
  };

  const startAuthentication = async (user: UserPath, policy = 'default') => {
    const started = await call('POST', user(`/passkeys/relyingParties/${RP_ID}/authentications/${policy}`));
    expect(started.status).toBe(201);
    return started.body;
  };

  const authenticate = async (
    user: UserPath,
    authenticator: SoftwareAuthenticator,
    knobs: Partial<GetAssertionKnobs> = {},
    policy = 'default',
  ) => {
    const started = await startAuthentication(user, policy);
    const response = authenticator.getAssertion(started.publicKey, { origin: ORIGIN, ...knobs });
    return call('POST', sessionUrl('authentications', started.sessionId), response);
  };

  const passkeysOf = async (user: UserPath) => {
    const listed = await call('GET', user('/passkeys'));
    expect(listed.status).toBe(200);
    return listed.body.content as Array<Record<string, unknown>>;
  };

  const userNow = async (userId: string) => (await call('GET', api(`/${storeName}/users/${userId}`))).body;

  // Setup, not a test (F15): two stores with the same relying party, and users.
  beforeAll(async () => {
    for (const name of [storeName, otherStore])
      expect((await call('POST', api(''), { name, passkeyConfigs: { [RP_ID]: passkeyConfig } })).status).toBe(
        201,
      );
    const create = async (extId: string, store = storeName) => {
      const answer = await call('POST', api(`/${store}/users`), { extId });
      expect(answer.status).toBe(200);
      return answer.body as User;
    };
    alice = await create('alice');
    bob = await create('bob');
    carol = await create('carol');
    erin = await create('erin');
    await create('alice', otherStore);
  });

  it('registers by internal id: the options carry the policy and its hints, summaryInfo shows the passkey, the session is single-use', async () => {
    const started = await startRegistration(byId(alice.id));
    expect(started).toEqual({
      sessionId: expect.any(String),
      expiresDtm: expect.any(String),
      publicKey: {
        rp: { id: RP_ID, name: 'Example' },
        user: { id: b64url(alice.id), name: 'alice', displayName: 'alice' },
        challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        pubKeyCredParams: expect.arrayContaining([{ type: 'public-key', alg: -7 }]),
        timeout: 300_000,
        excludeCredentials: [],
        authenticatorSelection: {
          residentKey: 'required',
          requireResidentKey: true,
          userVerification: 'preferred',
        },
        attestation: 'none',
        hints: ['client-device', 'hybrid'],
        extensions: { credProps: true },
      },
      hints: ['client-device', 'hybrid'],
    });
    const ttl = Date.parse(started.expiresDtm) - Date.now();
    expect(ttl).toBeGreaterThan(250_000);
    expect(ttl).toBeLessThanOrEqual(300_000);

    const response = alicePhone.createCredential(started.publicKey, {
      origin: ORIGIN,
      backupEligible: true,
      backedUp: true,
      transports: ['internal', 'hybrid'],
    });
    aliceFirstResponse = response;
    const completed = await call('POST', sessionUrl('registrations', started.sessionId), {
      ...response,
      name: 'Alice’s phone',
      context: { ip: '203.0.113.7', device: 'phone' },
    });
    expect(completed.status).toBe(200);
    expect(completed.body.id).toBe(alice.id);
    expect(completed.body.summaryInfo.passkeys).toEqual({
      count: 1,
      items: [
        {
          id: expect.any(String),
          status: 'ACTIVE',
          policyName: 'default',
          rpId: RP_ID,
          type: 'multiDevice',
          createdDtm: expect.any(String),
          lastUsedDtm: null,
        },
      ],
    });
    passkeyIds.alicePhone = completed.body.summaryInfo.passkeys.items[0].id;

    const replayed = await call('POST', sessionUrl('registrations', started.sessionId), response);
    expect([replayed.status, replayed.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);
  });

  it('registers by external id with packed self attestation; excludeCredentials lists the passkey she has', async () => {
    const started = await startRegistration(byExt('alice'), 'strict');
    expect(started.publicKey).toMatchObject({
      attestation: 'direct',
      hints: ['security-key'],
      timeout: 60_000,
      authenticatorSelection: { userVerification: 'required', authenticatorAttachment: 'cross-platform' },
      excludeCredentials: [
        { id: aliceFirstResponse.id, type: 'public-key', transports: ['internal', 'hybrid'] },
      ],
    });
    // The phone holds an excluded credential: a browser would refuse to create another one on it.
    expect(() => alicePhone.createCredential(started.publicKey, { origin: ORIGIN })).toThrow(
      /InvalidStateError/,
    );

    const response = aliceKey.createCredential(started.publicKey, {
      origin: ORIGIN,
      attestation: 'packed',
      authenticatorAttachment: 'cross-platform',
      transports: ['usb', 'nfc'],
    });
    const completed = await call('POST', sessionUrl('registrations', started.sessionId), response);
    expect(completed.status).toBe(200);
    expect(completed.body.summaryInfo.passkeys.count).toBe(2);
    passkeyIds.aliceKey = completed.body.summaryInfo.passkeys.items.find(
      (item: { id: string }) => item.id !== passkeyIds.alicePhone,
    ).id;
  });

  it('starts at store level with the user in the body and completes in one call', async () => {
    const started = await call('POST', storeLevel(`/relyingParties/${RP_ID}/registrations/default`), {
      extId: 'bob',
    });
    expect(started.status).toBe(201);
    expect(started.body.publicKey.user).toEqual({ id: b64url(bob.id), name: 'bob', displayName: 'bob' });
    const credential = bobPhone.createCredential(started.body.publicKey, { origin: ORIGIN });

    // The one call finds the session by the response's challenge, for this user, relying party and policy.
    const wrongPolicy = await call('POST', storeLevel('/registrations'), {
      userId: bob.id,
      rpId: RP_ID,
      policyName: 'strict',
      credential,
    });
    expect([wrongPolicy.status, wrongPolicy.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);
    const otherUser = await call('POST', storeLevel('/registrations'), {
      extId: 'alice',
      rpId: RP_ID,
      policyName: 'default',
      credential,
    });
    expect([otherUser.status, otherUser.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);

    const done = await call('POST', storeLevel('/registrations'), {
      userId: bob.id,
      rpId: RP_ID,
      policyName: 'default',
      credential,
      name: 'Bob’s phone',
      hints: ['hybrid'],
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: bob.id, summaryInfo: { passkeys: { count: 1 } } });
    passkeyIds.bobPhone = done.body.summaryInfo.passkeys.items[0].id;
    // The hints the client named are the audit's; the options' stay in passkeyRegistrationAuditInfo.
    const audit = await call('GET', byId(bob.id)(`/passkeys/${passkeyIds.bobPhone}/registrationAudit`));
    expect(audit.body).toMatchObject({
      hints: ['hybrid'],
      passkeyRegistrationAuditInfo: { hints: ['client-device', 'hybrid'] },
    });
    const again = await call('POST', storeLevel('/registrations'), {
      userId: bob.id,
      rpId: RP_ID,
      policyName: 'default',
      credential,
    });
    expect([again.status, again.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);
  });

  it('lists, reads and renames passkeys by id and by external id, never showing the public key', async () => {
    const listed = await call('GET', byId(alice.id)('/passkeys'));
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ page: 0, size: 20, totalElements: 2, totalPages: 1 });
    const phone = listed.body.content.find((p: { id: string }) => p.id === passkeyIds.alicePhone);
    expect(phone).toEqual({
      id: passkeyIds.alicePhone,
      rpId: RP_ID,
      credentialId: aliceFirstResponse.id,
      name: 'Alice’s phone',
      status: 'ACTIVE',
      policyName: 'default',
      aaguid: ZERO_AAGUID,
      attestationFormat: 'none',
      transports: ['internal', 'hybrid'],
      backupEligible: true,
      backedUp: true,
      deviceType: 'multiDevice',
      authenticatorAttachment: 'platform',
      userVerified: true,
      signCount: 0,
      createdDtm: expect.any(String),
      lastUsedDtm: null,
    });
    expect((await call('GET', byExt('alice')('/passkeys'))).body).toEqual(listed.body);
    expect((await call('GET', byExt('alice')(`/passkeys/${passkeyIds.aliceKey}`))).body).toMatchObject({
      id: passkeyIds.aliceKey,
      name: null,
      aaguid: KEY_AAGUID,
      attestationFormat: 'packed',
      transports: ['usb', 'nfc'],
      authenticatorAttachment: 'cross-platform',
      deviceType: 'singleDevice',
    });
    expect(JSON.stringify(listed.body)).not.toMatch(/publicKey/);

    const renamed = await call('POST', byId(alice.id)(`/passkeys/${passkeyIds.aliceKey}`), {
      name: 'YubiKey',
    });
    expect([renamed.status, renamed.body.name]).toEqual([200, 'YubiKey']);
    expect((await call('GET', byId(alice.id)(`/passkeys/${passkeyIds.aliceKey}`))).body.name).toBe('YubiKey');
    // Another user's passkey is not hers.
    expect((await call('GET', byId(alice.id)(`/passkeys/${passkeyIds.bobPhone}`))).status).toBe(404);
  });

  it('keeps a registration audit per passkey: attestation format, AAGUID, transports, hints and client context', async () => {
    const audit = await call('GET', byId(alice.id)(`/passkeys/${passkeyIds.alicePhone}/registrationAudit`));
    expect(audit.status).toBe(200);
    expect(audit.body).toEqual({
      id: passkeyIds.alicePhone,
      userId: alice.id,
      type: 'Passkey',
      result: 'SUCCESS',
      createdDtm: expect.any(String),
      context: { ip: '203.0.113.7', device: 'phone' },
      credentialId: passkeyIds.alicePhone,
      policyName: 'default',
      passkeyInfo: {
        id: passkeyIds.alicePhone,
        rpId: RP_ID,
        credentialId: aliceFirstResponse.id,
        name: 'Alice’s phone',
        status: 'ACTIVE',
      },
      passkeyRegistrationAuditInfo: {
        rpId: RP_ID,
        policyName: 'default',
        credentialId: aliceFirstResponse.id,
        attestationFormat: 'none',
        aaguid: ZERO_AAGUID,
        transports: ['internal', 'hybrid'],
        hints: ['client-device', 'hybrid'],
        userVerified: true,
        backupEligible: true,
        backedUp: true,
        deviceType: 'multiDevice',
        authenticatorAttachment: 'platform',
        origin: ORIGIN,
      },
      hints: ['client-device', 'hybrid'],
    });
    expect(
      (await call('GET', byExt('alice')(`/passkeys/${passkeyIds.alicePhone}/registrationAudit`))).body,
    ).toEqual(audit.body);
    const key = await call('GET', byExt('alice')(`/passkeys/${passkeyIds.aliceKey}/registrationAudit`));
    expect(key.body.passkeyRegistrationAuditInfo).toMatchObject({
      attestationFormat: 'packed',
      aaguid: KEY_AAGUID,
      transports: ['usb', 'nfc'],
      hints: ['security-key'],
      backupEligible: false,
      authenticatorAttachment: 'cross-platform',
    });
    const notHers = await call('GET', byId(alice.id)(`/passkeys/${passkeyIds.bobPhone}/registrationAudit`));
    expect([notHers.status, notHers.body.code]).toEqual([404, 'REGISTRATION_AUDIT_NOT_FOUND']);
  });

  it('authenticates a user: the options allow her passkeys, the counter grows, the audit is readable, summaryInfo follows', async () => {
    const started = await startAuthentication(byId(alice.id));
    expect(started.publicKey).toEqual({
      rpId: RP_ID,
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      timeout: 300_000,
      userVerification: 'preferred',
      allowCredentials: expect.arrayContaining([
        { id: aliceFirstResponse.id, type: 'public-key', transports: ['internal', 'hybrid'] },
      ]),
      hints: ['client-device'],
    });
    expect(started.publicKey.allowCredentials).toHaveLength(2);
    const response = alicePhone.getAssertion(started.publicKey, {
      origin: ORIGIN,
      credentialId: aliceFirstResponse.id,
    });
    const done = await call('POST', sessionUrl('authentications', started.sessionId), {
      ...response,
      context: { ip: '198.51.100.4' },
    });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({
      result: 'SUCCESS',
      authenticationId: expect.any(String),
      user: expect.any(Object),
    });
    const summary = done.body.user.summaryInfo;
    expect(summary.lastAuthentication).toEqual({
      type: 'Passkey',
      result: 'SUCCESS',
      dtm: expect.any(String),
    });
    const item = summary.passkeys.items.find((i: { id: string }) => i.id === passkeyIds.alicePhone);
    expect(item.lastUsedDtm).toBe(summary.lastAuthentication.dtm);

    const audit = await call('GET', byId(alice.id)(`/authentications/${done.body.authenticationId}`));
    expect(audit.body).toEqual({
      id: done.body.authenticationId,
      userId: alice.id,
      type: 'Passkey',
      result: 'SUCCESS',
      createdDtm: summary.lastAuthentication.dtm,
      context: { ip: '198.51.100.4' },
      credentialId: passkeyIds.alicePhone,
      policyName: 'default',
      passkeyInfo: {
        id: passkeyIds.alicePhone,
        rpId: RP_ID,
        credentialId: aliceFirstResponse.id,
        name: 'Alice’s phone',
        status: 'ACTIVE',
      },
      passkeyAuditInfo: {
        rpId: RP_ID,
        policyName: 'default',
        credentialId: aliceFirstResponse.id,
        usernameless: false,
        hints: ['client-device'],
        userVerified: true,
        backedUp: true,
        signCount: 1,
        previousSignCount: 0,
        counterRegression: false,
      },
      hints: ['client-device'],
    });
    expect(
      (await call('GET', byExt('alice')(`/authentications/${done.body.authenticationId}`))).body,
    ).toEqual(audit.body);
    expect((await call('GET', byId(alice.id)(`/passkeys/${passkeyIds.alicePhone}`))).body.signCount).toBe(1);

    const replayed = await call('POST', sessionUrl('authentications', started.sessionId), response);
    expect([replayed.status, replayed.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);
  });

  it('authenticates by external id, and in one call with user, relying party and policy in the body', async () => {
    expect((await authenticate(byExt('alice'), aliceKey, {}, 'strict')).status).toBe(200);

    const started = await startAuthentication(byExt('bob'));
    const credential = bobPhone.getAssertion(started.publicKey, { origin: ORIGIN });
    const done = await call('POST', storeLevel('/authentications'), {
      extId: 'bob',
      rpId: RP_ID,
      policyName: 'default',
      credential,
      context: { channel: 'one-call' },
      hints: ['hybrid', 'client-device'],
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ result: 'SUCCESS', user: { id: bob.id } });
    expect(done.body.user.summaryInfo.lastAuthentication.result).toBe('SUCCESS');
    const audit = await call('GET', byId(bob.id)(`/authentications/${done.body.authenticationId}`));
    expect(audit.body).toMatchObject({
      context: { channel: 'one-call' },
      credentialId: passkeyIds.bobPhone,
      hints: ['hybrid', 'client-device'],
      passkeyAuditInfo: { hints: ['client-device'] },
    });
    const again = await call('POST', storeLevel('/authentications'), {
      userId: bob.id,
      rpId: RP_ID,
      policyName: 'default',
      credential,
    });
    expect([again.status, again.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);
  });

  it('authenticates usernameless at store level: the discoverable credential names the user', async () => {
    const started = await call('POST', storeLevel(`/relyingParties/${RP_ID}/authentications/default`));
    expect(started.status).toBe(201);
    expect(started.body.hints).toEqual(['client-device']);
    expect(started.body.publicKey).toEqual({
      rpId: RP_ID,
      challenge: expect.any(String),
      timeout: 300_000,
      userVerification: 'preferred',
      hints: ['client-device'],
    });
    const response = alicePhone.getAssertion(started.body.publicKey, { origin: ORIGIN });
    expect(response.response.userHandle).toBe(b64url(alice.id));
    const done = await call('POST', sessionUrl('authentications', started.body.sessionId), response);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ result: 'SUCCESS', user: { id: alice.id } });
    const audit = await call('GET', byId(alice.id)(`/authentications/${done.body.authenticationId}`));
    expect(audit.body.passkeyAuditInfo).toMatchObject({
      usernameless: true,
      signCount: 2,
      previousSignCount: 1,
    });
    const replayed = await call('POST', sessionUrl('authentications', started.body.sessionId), response);
    expect([replayed.status, replayed.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);

    // Bob's phone names Bob.
    const forBob = (await call('POST', storeLevel(`/relyingParties/${RP_ID}/authentications/default`), {}))
      .body;
    const bobDone = await call(
      'POST',
      sessionUrl('authentications', forBob.sessionId),
      bobPhone.getAssertion(forBob.publicKey, { origin: ORIGIN }),
    );
    expect([bobDone.status, bobDone.body.user.id]).toEqual([200, bob.id]);

    // A credential no passkey of the store has: a failure with no user to show.
    const options = await startRegistration(byId(erin.id));
    stranger.createCredential(options.publicKey, { origin: ORIGIN }); // never completed
    const unknownStart = (await call('POST', storeLevel(`/relyingParties/${RP_ID}/authentications/default`)))
      .body;
    const unknown = await call(
      'POST',
      sessionUrl('authentications', unknownStart.sessionId),
      stranger.getAssertion(unknownStart.publicKey, { origin: ORIGIN }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      result: 'FAILURE',
      authenticationId: expect.any(String),
      reason: 'UNKNOWN_CREDENTIAL',
    });
  });

  describe('failed authentications: 400 FAILURE with the user, a reason and an audit; the session is used up', () => {
    const expectFailure = async (answer: HttpAnswer, reason: string, user: User = alice) => {
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        result: 'FAILURE',
        authenticationId: expect.any(String),
        reason,
        user: expect.objectContaining({ id: user.id }),
      });
      expect(answer.body.user.summaryInfo.lastAuthentication).toMatchObject({
        type: 'Passkey',
        result: 'FAILURE',
      });
      const audit = await call('GET', byId(user.id)(`/authentications/${answer.body.authenticationId}`));
      expect(audit.body).toMatchObject({ type: 'Passkey', result: 'FAILURE', reason });
      return audit.body;
    };

    it('a wrong origin', async () => {
      await expectFailure(
        await authenticate(byId(alice.id), alicePhone, { origin: 'https://evil.example' }),
        'ORIGIN_MISMATCH',
      );
    });

    it('another relying party id in the authenticator data', async () => {
      await expectFailure(
        await authenticate(byId(alice.id), alicePhone, { rpId: 'evil.example' }),
        'RP_ID_MISMATCH',
      );
    });

    it('a replayed challenge: an old response for a new session', async () => {
      const first = await startAuthentication(byId(alice.id));
      const old = alicePhone.getAssertion(first.publicKey, { origin: ORIGIN });
      expect((await call('POST', sessionUrl('authentications', first.sessionId), old)).status).toBe(200);
      const second = await startAuthentication(byId(alice.id));
      const replayed = await call('POST', sessionUrl('authentications', second.sessionId), old);
      await expectFailure(replayed, 'CHALLENGE_MISMATCH');
      // The one call finds no session that issued the old challenge.
      const oneCall = await call('POST', storeLevel('/authentications'), {
        userId: alice.id,
        rpId: RP_ID,
        policyName: 'default',
        credential: old,
      });
      expect([oneCall.status, oneCall.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);
    });

    it('a tampered signature', async () => {
      const audit = await expectFailure(
        await authenticate(byId(alice.id), alicePhone, { tamperSignature: true }),
        'INVALID_SIGNATURE',
      );
      expect(audit.passkeyInfo).toMatchObject({ id: passkeyIds.alicePhone });
    });

    it('user verification missing where the policy requires it (preferred lets it pass)', async () => {
      await expectFailure(
        await authenticate(byId(alice.id), aliceKey, { userVerified: false }, 'strict'),
        'USER_VERIFICATION_MISSING',
      );
      expect((await authenticate(byId(alice.id), aliceKey, { userVerified: false }, 'default')).status).toBe(
        200,
      );
    });

    it('an unknown credential: one that is not hers', async () => {
      const started = await startAuthentication(byId(alice.id));
      const response = bobPhone.getAssertion(started.publicKey, {
        origin: ORIGIN,
        credentialId: bobPhone.listCredentials()[0]!.id,
      });
      const audit = await expectFailure(
        await call('POST', sessionUrl('authentications', started.sessionId), response),
        'UNKNOWN_CREDENTIAL',
      );
      expect(audit.passkeyInfo).toBeUndefined();
    });

    it('a signature counter going backwards is flagged in the audit; the stored counter stays', async () => {
      const before = (await call('GET', byId(alice.id)(`/passkeys/${passkeyIds.aliceKey}`))).body.signCount;
      expect(before).toBeGreaterThan(1);
      const audit = await expectFailure(
        await authenticate(byId(alice.id), aliceKey, {
          overrideCounter: before - 1,
        }),
        'COUNTER_REGRESSION',
      );
      expect(audit.passkeyAuditInfo).toMatchObject({
        counterRegression: true,
        signCount: before - 1,
        previousSignCount: before,
      });
      expect((await call('GET', byId(alice.id)(`/passkeys/${passkeyIds.aliceKey}`))).body.signCount).toBe(
        before,
      );
      // The same counter again is no growth either; a higher one authenticates.
      await expectFailure(
        await authenticate(byId(alice.id), aliceKey, {
          overrideCounter: before,
        }),
        'COUNTER_REGRESSION',
      );
      expect(
        (
          await authenticate(byId(alice.id), aliceKey, {
            overrideCounter: before + 5,
          })
        ).status,
      ).toBe(200);
    });

    it('a passkey suspended after the start', async () => {
      const started = await startAuthentication(byId(alice.id));
      const suspended = await call('POST', byId(alice.id)(`/passkeys/${passkeyIds.aliceKey}`), {
        status: 'SUSPENDED',
      });
      expect([suspended.status, suspended.body.status]).toEqual([200, 'SUSPENDED']);
      const response = aliceKey.getAssertion(started.publicKey, { origin: ORIGIN });
      await expectFailure(
        await call('POST', sessionUrl('authentications', started.sessionId), response),
        'PASSKEY_NOT_ACTIVE',
      );
      // The next start no longer offers it; reactivated, it authenticates again.
      const next = await startAuthentication(byId(alice.id));
      expect(next.publicKey.allowCredentials.map((c: { id: string }) => c.id)).toEqual([
        aliceFirstResponse.id,
      ]);
      expect((await userNow(alice.id)).summaryInfo.passkeys.items).toContainEqual(
        expect.objectContaining({ id: passkeyIds.aliceKey, status: 'SUSPENDED' }),
      );
      await call('POST', byId(alice.id)(`/passkeys/${passkeyIds.aliceKey}`), { status: 'ACTIVE' });
      expect((await authenticate(byId(alice.id), aliceKey)).status).toBe(200);
    });
  });

  it('accepts the zero counter of synced passkeys, every time', async () => {
    const { completed } = await register(byId(erin.id), erinSynced, { backupEligible: true, backedUp: true });
    expect(completed.status).toBe(200);
    for (const _ of [1, 2, 3]) {
      const done = await authenticate(byId(erin.id), erinSynced, { counterIncrement: 0 });
      expect(done.status).toBe(200);
      const audit = await call('GET', byId(erin.id)(`/authentications/${done.body.authenticationId}`));
      expect(audit.body.passkeyAuditInfo).toMatchObject({
        signCount: 0,
        previousSignCount: 0,
        counterRegression: false,
      });
    }
  });

  it('failed registrations: 400 PASSKEY_REGISTRATION_FAILED with the reason; the session is used up and nothing is stored', async () => {
    const cases: Array<[Partial<CreateCredentialKnobs>, string, string]> = [
      [{ origin: 'https://evil.example' }, 'ORIGIN_MISMATCH', 'body.response.clientDataJSON'],
      [{ userVerified: false }, 'USER_VERIFICATION_MISSING', 'body.response.attestationObject'],
      [
        { attestation: 'packed', tamperSignature: true },
        'INVALID_ATTESTATION',
        'body.response.attestationObject',
      ],
      [{ rpId: 'evil.example' }, 'RP_ID_MISMATCH', 'body.response.attestationObject'],
    ];
    for (const [knobs, reason, path] of cases) {
      const { started, response, completed } = await register(byId(carol.id), carolPhone, knobs, 'strict');
      expect([completed.status, completed.body.code, completed.body.reason]).toEqual([
        400,
        'PASSKEY_REGISTRATION_FAILED',
        reason,
      ]);
      expect(completed.body.errors).toEqual([{ path, message: reason }]);
      const again = await call('POST', sessionUrl('registrations', started.sessionId), response);
      expect([again.status, again.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);
    }
    expect(await passkeysOf(byId(carol.id))).toEqual([]);
    expect((await userNow(carol.id)).summaryInfo.passkeys.count).toBe(0);

    // A registration's challenge replayed into another session.
    const first = await startRegistration(byId(carol.id));
    const second = await startRegistration(byId(carol.id));
    const forFirst = carolPhone.createCredential(first.publicKey, { origin: ORIGIN });
    const crossed = await call('POST', sessionUrl('registrations', second.sessionId), forFirst);
    expect([crossed.status, crossed.body.reason]).toEqual([400, 'CHALLENGE_MISMATCH']);
    expect((await call('POST', sessionUrl('registrations', first.sessionId), forFirst)).status).toBe(200);
  });

  it('a credential id is registered once per store and relying party (409), also across users', async () => {
    // Bob posts Alice's credential (its "none" attestation is unsigned) for a session of his own.
    const started = await startRegistration(byId(bob.id));
    const stolen = await call(
      'POST',
      sessionUrl('registrations', started.sessionId),
      withChallenge(aliceFirstResponse, started.publicKey.challenge),
    );
    expect([stolen.status, stolen.body.code]).toEqual([409, 'PASSKEY_ALREADY_REGISTERED']);
    expect(await passkeysOf(byId(bob.id))).toHaveLength(1);
    // And Alice again for herself.
    const hers = await startRegistration(byId(alice.id));
    const twice = await call(
      'POST',
      sessionUrl('registrations', hers.sessionId),
      withChallenge(aliceFirstResponse, hers.publicKey.challenge),
    );
    expect([twice.status, twice.body.code]).toEqual([409, 'PASSKEY_ALREADY_REGISTERED']);
    // A 409 leaves the session open.
    const fresh = new SoftwareAuthenticator().createCredential(started.publicKey, { origin: ORIGIN });
    expect((await call('POST', sessionUrl('registrations', started.sessionId), fresh)).status).toBe(200);
  });

  it('keeps stores apart: a session through another store is 404, a credential of one store names no user in another', async () => {
    const started = await startAuthentication(byId(alice.id));
    const response = alicePhone.getAssertion(started.publicKey, { origin: ORIGIN });
    const elsewhere = await call(
      'POST',
      sessionUrl('authentications', started.sessionId, otherStore),
      response,
    );
    expect([elsewhere.status, elsewhere.body.code]).toEqual([404, 'PASSKEY_SESSION_NOT_FOUND']);
    expect((await call('POST', sessionUrl('authentications', started.sessionId), response)).status).toBe(200);

    const usernameless = (
      await call('POST', storeLevel(`/relyingParties/${RP_ID}/authentications/default`, otherStore))
    ).body;
    const crossStore = await call(
      'POST',
      sessionUrl('authentications', usernameless.sessionId, otherStore),
      alicePhone.getAssertion(usernameless.publicKey, { origin: ORIGIN }),
    );
    expect(crossStore.status).toBe(400);
    expect(crossStore.body).toEqual({
      result: 'FAILURE',
      authenticationId: expect.any(String),
      reason: 'UNKNOWN_CREDENTIAL',
    });

    // The other store's Alice has no passkey; this store's Alice is unknown there.
    const none = await call(
      'POST',
      byExt('alice', otherStore)(`/passkeys/relyingParties/${RP_ID}/authentications/default`),
    );
    expect([none.status, none.body.code]).toEqual([404, 'PASSKEY_NOT_FOUND']);
    expect((await call('GET', byId(alice.id, otherStore)('/passkeys'))).status).toBe(404);
    const registrations = await call('POST', storeLevel('/registrations', otherStore), {
      userId: alice.id,
      rpId: RP_ID,
      policyName: 'default',
      credential: aliceFirstResponse,
    });
    expect([registrations.status, registrations.body.code]).toEqual([404, 'USER_NOT_FOUND']);
  });

  it('a DISABLED or LOCKED user can neither register nor authenticate (403), and an open session waits', async () => {
    const [carolPasskey] = await passkeysOf(byId(carol.id));
    const credentialId = carolPasskey!.credentialId as string;
    const open = await startAuthentication(byId(carol.id));
    expect((await call('POST', api(`/${storeName}/users/${carol.id}`), { status: 'DISABLED' })).status).toBe(
      200,
    );

    const refusals = [
      await call('POST', byId(carol.id)(`/passkeys/relyingParties/${RP_ID}/registrations/default`)),
      await call('POST', byExt('carol')(`/passkeys/relyingParties/${RP_ID}/authentications/default`)),
      await call('POST', storeLevel(`/relyingParties/${RP_ID}/registrations/default`), { userId: carol.id }),
      await call(
        'POST',
        sessionUrl('authentications', open.sessionId),
        carolPhone.getAssertion(open.publicKey, { origin: ORIGIN }),
      ),
    ];
    const usernameless = (await call('POST', storeLevel(`/relyingParties/${RP_ID}/authentications/default`)))
      .body;
    refusals.push(
      await call(
        'POST',
        sessionUrl('authentications', usernameless.sessionId),
        carolPhone.getAssertion(usernameless.publicKey, { origin: ORIGIN, credentialId }),
      ),
    );
    for (const refused of refusals)
      expect([refused.status, refused.body.code]).toEqual([403, 'USER_NOT_ACTIVE']);

    expect((await call('POST', api(`/${storeName}/users/${carol.id}`), { status: 'LOCKED' })).status).toBe(
      200,
    );
    const locked = await call(
      'POST',
      byId(carol.id)(`/passkeys/relyingParties/${RP_ID}/authentications/default`),
    );
    expect([locked.status, locked.body.code]).toEqual([403, 'USER_NOT_ACTIVE']);

    // Active again: the sessions the refusals left open complete.
    await call('POST', api(`/${storeName}/users/${carol.id}`), { status: 'ACTIVE' });
    const late = await call(
      'POST',
      sessionUrl('authentications', open.sessionId),
      carolPhone.getAssertion(open.publicKey, { origin: ORIGIN }),
    );
    expect([late.status, late.body.result]).toEqual([200, 'SUCCESS']);
  });

  it('names every bad field of bad input (400) and stores nothing; the session stays usable', async () => {
    const started = await startRegistration(byId(erin.id), 'default');
    const url = sessionUrl('registrations', started.sessionId);
    const shape = await call('POST', url, {
      id: 'not base64url!',
      rawId: 42,
      type: 'private-key',
      response: { clientDataJSON: 7 },
      authenticatorAttachment: 'somewhere',
      extra: true,
    });
    expect([shape.status, shape.body.code, errorPaths(shape)]).toEqual([
      400,
      'VALIDATION_FAILED',
      [
        'body',
        'body.authenticatorAttachment',
        'body.id',
        'body.rawId',
        'body.response.attestationObject',
        'body.response.clientDataJSON',
        'body.type',
      ],
    ]);
    const good = new SoftwareAuthenticator().createCredential(started.publicKey, { origin: ORIGIN });
    const mismatched = await call('POST', url, { ...good, rawId: 'AAAA' });
    expect(errorPaths(mismatched)).toEqual(['body.rawId']);
    const unreadable = await call('POST', url, {
      ...good,
      response: { ...good.response, clientDataJSON: b64url('not json') },
    });
    expect([unreadable.status, unreadable.body.code, errorPaths(unreadable)]).toEqual([
      400,
      'INVALID_WEBAUTHN_RESPONSE',
      ['body.response.clientDataJSON'],
    ]);
    const noCbor = await call('POST', url, {
      ...good,
      response: { ...good.response, attestationObject: b64url('nope') },
    });
    expect([noCbor.body.code, errorPaths(noCbor)]).toEqual([
      'INVALID_WEBAUTHN_RESPONSE',
      ['body.response.attestationObject'],
    ]);
    const before = await passkeysOf(byId(erin.id));
    expect((await call('POST', url, good)).status).toBe(200);
    expect(await passkeysOf(byId(erin.id))).toHaveLength(before.length + 1);

    // Starts: path parameters and bodies.
    const badStart = await call(
      'POST',
      api(`/${storeName}/passkeys/relyingParties/Not_A_Domain/registrations/bad%20name`),
      {
        userId: erin.id,
        extId: 'erin',
      },
    );
    expect(errorPaths(badStart)).toEqual([
      'body.extId',
      'body.userId',
      'params.regPolicyName',
      'params.rpId',
    ]);
    expect(
      errorPaths(await call('POST', storeLevel(`/relyingParties/${RP_ID}/registrations/default`), {})),
    ).toEqual(['body.extId', 'body.userId']);
    expect(
      errorPaths(
        await call('POST', storeLevel(`/relyingParties/${RP_ID}/authentications/default`), {
          userId: erin.id,
        }),
      ),
    ).toEqual(['body']);
    const unknownConfig = await call(
      'POST',
      byId(erin.id)('/passkeys/relyingParties/other.example/registrations/default'),
    );
    expect([unknownConfig.status, unknownConfig.body.code]).toEqual([404, 'PASSKEY_CONFIG_NOT_FOUND']);
    const unknownPolicy = await call(
      'POST',
      byId(erin.id)(`/passkeys/relyingParties/${RP_ID}/authentications/nope`),
    );
    expect([unknownPolicy.status, unknownPolicy.body.code]).toEqual([404, 'POLICY_NOT_FOUND']);

    // One call: every missing or bad member.
    const oneCall = await call('POST', storeLevel('/authentications'), {
      rpId: 'HTTPS://x',
      policyName: '',
      credential: { id: 'a' },
    });
    expect(errorPaths(oneCall)).toEqual([
      'body.credential.rawId',
      'body.credential.response',
      'body.credential.type',
      'body.extId',
      'body.policyName',
      'body.rpId',
      'body.userId',
    ]);

    // An authentication completion with bad input records nothing and leaves the session open.
    const lastBefore = (await userNow(erin.id)).summaryInfo.lastAuthentication;
    const auth = await startAuthentication(byId(erin.id));
    const assertion = erinSynced.getAssertion(auth.publicKey, { origin: ORIGIN, counterIncrement: 0 });
    const authUrl = sessionUrl('authentications', auth.sessionId);
    const badAssertion = await call('POST', authUrl, {
      ...assertion,
      response: { clientDataJSON: assertion.response.clientDataJSON },
    });
    expect(errorPaths(badAssertion)).toEqual(['body.response.authenticatorData', 'body.response.signature']);
    const shortAuthData = await call('POST', authUrl, {
      ...assertion,
      response: { ...assertion.response, authenticatorData: 'AAAA' },
    });
    expect([shortAuthData.body.code, errorPaths(shortAuthData)]).toEqual([
      'INVALID_WEBAUTHN_RESPONSE',
      ['body.response.authenticatorData'],
    ]);
    expect((await userNow(erin.id)).summaryInfo.lastAuthentication).toEqual(lastBefore);
    expect((await call('POST', authUrl, assertion)).status).toBe(200);

    // Updates.
    const passkey = (await passkeysOf(byId(erin.id)))[0]!;
    expect(errorPaths(await call('POST', byId(erin.id)(`/passkeys/${passkey.id}`), {}))).toEqual(['body']);
    expect(
      errorPaths(await call('POST', byId(erin.id)(`/passkeys/${passkey.id}`), { status: 'BOGUS', name: '' })),
    ).toEqual(['body.name', 'body.status']);
    expect((await call('GET', byId(erin.id)(`/passkeys/${passkey.id}`))).body).toEqual(passkey);
  });

  it('REVOKED is final; deleting removes the passkey, releases its credential id and keeps its registration audit', async () => {
    const revoked = await call('POST', byExt('bob')(`/passkeys/${passkeyIds.bobPhone}`), {
      status: 'REVOKED',
    });
    expect(revoked.body.status).toBe('REVOKED');
    const again = await call('POST', byExt('bob')(`/passkeys/${passkeyIds.bobPhone}`), { status: 'ACTIVE' });
    expect([again.status, again.body.code]).toEqual([409, 'PASSKEY_REVOKED']);

    expect((await call('DELETE', byId(alice.id)(`/passkeys/${passkeyIds.alicePhone}`))).status).toBe(204);
    expect((await call('GET', byId(alice.id)(`/passkeys/${passkeyIds.alicePhone}`))).status).toBe(404);
    expect((await call('DELETE', byExt('alice')(`/passkeys/${passkeyIds.alicePhone}`))).status).toBe(404);
    const user = await userNow(alice.id);
    expect(user.summaryInfo.passkeys.items.map((i: { id: string }) => i.id)).not.toContain(
      passkeyIds.alicePhone,
    );
    expect(
      (await call('GET', byId(alice.id)(`/passkeys/${passkeyIds.alicePhone}/registrationAudit`))).status,
    ).toBe(200);

    // Its credential id is free again: Bob may now register it (the attestation is "none": unsigned).
    const started = await startRegistration(byId(bob.id));
    const taken = await call(
      'POST',
      sessionUrl('registrations', started.sessionId),
      withChallenge(aliceFirstResponse, started.publicKey.challenge),
    );
    expect(taken.status).toBe(200);
  });

  it('publishes passkey events on identity-store.passkey without public keys, challenges or session ids', async () => {
    const prisma = createPrismaClient(system().databases.passkey!);
    try {
      const events = await prisma.$queryRaw<
        Array<{ type: string; data: string }>
      >`SELECT type, data::text AS data FROM events`;
      const outbox = await prisma.$queryRaw<
        Array<{ topic: string; value: string }>
      >`SELECT topic, value FROM outbox ORDER BY position`;
      const stored = events.map((e) => e.data).join('\n');
      const published = outbox.map((o) => o.value).join('\n');
      expect(stored).toContain('publicKey');
      expect(stored).toContain(aliceFirstResponse.id);
      expect(published).not.toMatch(/publicKey|challenge|sessionId|allowCredentials/);
      expect(new Set(outbox.map((o) => o.topic))).toEqual(new Set(['identity-store.passkey']));
      const types = new Set(outbox.map((o) => JSON.parse(o.value).type as string));
      for (const type of [
        'PasskeyRegistrationStarted',
        'PasskeyRegistrationCompleted',
        'PasskeyRegistrationFailed',
        'PasskeyAuthenticationStarted',
        'PasskeyAuthenticationSucceeded',
        'PasskeyAuthenticationFailed',
        'PasskeyStatusChanged',
        'PasskeyRenamed',
        'PasskeyDeregistered',
        'PasskeyAuthenticationSessionClosed',
      ])
        expect(types).toContain(type);
      // Every stored event is published (its integration form: no session id, see above), so each
      // stream's versions reach the topic without holes (consumers apply them strictly in order).
      const storedVersions = await prisma.$queryRaw<
        Array<{ stream_id: string; versions: number[] }>
      >`SELECT stream_id, array_agg(stream_version ORDER BY stream_version) AS versions FROM events GROUP BY stream_id ORDER BY stream_id`;
      const publishedVersions = new Map<string, number[]>();
      for (const { value } of outbox) {
        const { streamId, streamVersion } = JSON.parse(value) as { streamId: string; streamVersion: number };
        publishedVersions.set(streamId, [...(publishedVersions.get(streamId) ?? []), streamVersion]);
      }
      expect(storedVersions.some((s) => s.stream_id.startsWith('passkey-session-'))).toBe(true);
      for (const { stream_id, versions } of storedVersions)
        expect({ stream_id, published: publishedVersions.get(stream_id) }).toEqual({ stream_id, published: versions });

      // Held keys: open sessions, and one credential key per registered passkey.
      const credentialKeys = await prisma.$queryRaw<
        Array<{ key: string }>
      >`SELECT key FROM unique_keys WHERE scope = 'passkey-credential'`;
      const registered = events.filter((e) => e.type === 'PasskeyRegistrationCompleted').length;
      const deleted = events.filter((e) => e.type === 'PasskeyDeregistered').length;
      expect(credentialKeys).toHaveLength(registered - deleted);
    } finally {
      await prisma.$disconnect();
    }
  });
});
