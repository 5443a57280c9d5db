import { createPublicKey, createHash, verify } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticatorSelectionCriteria,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { SoftwareAuthenticator, type CreateCredentialKnobs } from './software-authenticator';

const RP_ID = 'id.example.test';
const ORIGIN = `https://${RP_ID}`;
const USER_ID = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const AAGUID = 'adce0002-35bc-c60a-648b-0b25f1f05503';

const registrationOptions = (authenticatorSelection?: AuthenticatorSelectionCriteria) =>
  generateRegistrationOptions({
    rpName: 'Identity Store',
    rpID: RP_ID,
    userName: 'alice',
    userID: USER_ID,
    authenticatorSelection,
  });

/** Registers a credential and returns what a relying party would keep of it. */
const register = async (
  authenticator: SoftwareAuthenticator,
  knobs: Partial<CreateCredentialKnobs> = {},
  authenticatorSelection?: AuthenticatorSelectionCriteria,
): Promise<WebAuthnCredential> => {
  const options = await registrationOptions(authenticatorSelection);
  const response = authenticator.createCredential(options, { origin: ORIGIN, ...knobs });
  const { verified, registrationInfo } = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  });
  if (!verified) throw new Error('registration did not verify');
  return registrationInfo.credential;
};

const verifyAssertion = (
  response: Parameters<typeof verifyAuthenticationResponse>[0]['response'],
  challenge: string,
  credential: WebAuthnCredential,
  requireUserVerification = true,
) =>
  verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification,
  });

describe('SoftwareAuthenticator registration', () => {
  it('produces a "none" attestation that verifies, with a zero AAGUID and the credential it keeps', async () => {
    const authenticator = new SoftwareAuthenticator();
    const options = await registrationOptions();
    const response = authenticator.createCredential(options, { origin: ORIGIN });

    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });

    expect(result.verified).toBe(true);
    expect(result.registrationInfo).toMatchObject({
      fmt: 'none',
      aaguid: '00000000-0000-0000-0000-000000000000',
      userVerified: true,
      credentialDeviceType: 'singleDevice',
      credentialBackedUp: false,
      origin: ORIGIN,
      rpID: RP_ID,
      credential: { id: response.id, counter: 0, transports: ['internal'] },
    });
    expect(Buffer.from(response.rawId, 'base64url')).toHaveLength(32);
    expect(response).toMatchObject({
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    });
    expect(response.response.publicKeyAlgorithm).toBe(-7);
    expect(authenticator.listCredentials()).toEqual([
      expect.objectContaining({ id: response.id, rpId: RP_ID, userHandle: options.user.id, signCount: 0 }),
    ]);
  });

  it('produces a "packed" self attestation that verifies, reporting the configured AAGUID and backup state', async () => {
    const authenticator = new SoftwareAuthenticator({ aaguid: AAGUID });
    const options = await registrationOptions();
    const response = authenticator.createCredential(options, {
      origin: ORIGIN,
      attestation: 'packed',
      backupEligible: true,
      backedUp: true,
      transports: ['internal', 'hybrid'],
    });

    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });

    expect(result.verified).toBe(true);
    expect(result.registrationInfo).toMatchObject({
      fmt: 'packed',
      aaguid: AAGUID,
      credentialDeviceType: 'multiDevice',
      credentialBackedUp: true,
      credential: { transports: ['internal', 'hybrid'] },
    });
  });

  it('fails verification of a packed attestation whose signature was tampered with', async () => {
    const authenticator = new SoftwareAuthenticator();
    const options = await registrationOptions();
    const response = authenticator.createCredential(options, {
      origin: ORIGIN,
      attestation: 'packed',
      tamperSignature: true,
    });

    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });

    expect(result.verified).toBe(false);
  });

  it('sets UV only when asked: registration requiring UV fails without it, passes when UV is not required', async () => {
    const options = await registrationOptions();
    const response = new SoftwareAuthenticator().createCredential(options, {
      origin: ORIGIN,
      userVerified: false,
    });
    const verifyWith = (requireUserVerification: boolean) =>
      verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        requireUserVerification,
      });

    await expect(verifyWith(true)).rejects.toThrow(/User verification was required/);
    await expect(verifyWith(false)).resolves.toMatchObject({
      verified: true,
      registrationInfo: { userVerified: false },
    });
  });

  it('is rejected for a wrong origin, a replayed challenge or a wrong RP ID', async () => {
    const options = await registrationOptions();
    const earlierOptions = await registrationOptions();
    const authenticator = new SoftwareAuthenticator();
    const verifyResponse = (knobs: Partial<CreateCredentialKnobs>) =>
      verifyRegistrationResponse({
        response: authenticator.createCredential(options, { origin: ORIGIN, ...knobs }),
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
      });

    await expect(verifyResponse({ origin: 'https://evil.example.test' })).rejects.toThrow(/origin/);
    await expect(verifyResponse({ challenge: earlierOptions.challenge })).rejects.toThrow(/challenge/);
    await expect(verifyResponse({ rpId: 'evil.example.test' })).rejects.toThrow(/RP ID/);
  });

  it('refuses to register twice for an RP that excludes the credential it already holds', async () => {
    const authenticator = new SoftwareAuthenticator();
    const existing = await register(authenticator);
    const options = await generateRegistrationOptions({
      rpName: 'Identity Store',
      rpID: RP_ID,
      userName: 'alice',
      excludeCredentials: [{ id: existing.id }],
    });

    expect(() => authenticator.createCredential(options, { origin: ORIGIN })).toThrow(/InvalidStateError/);
  });
});

describe('SoftwareAuthenticator authentication', () => {
  it('signs assertions that verify with the registered public key, the counter growing by one each time', async () => {
    const authenticator = new SoftwareAuthenticator();
    const credential = await register(authenticator);

    for (const expectedCounter of [1, 2]) {
      const options = await generateAuthenticationOptions({
        rpID: RP_ID,
        allowCredentials: [{ id: credential.id }],
      });
      const response = authenticator.getAssertion(options, { origin: ORIGIN });
      const result = await verifyAssertion(response, options.challenge, credential);

      expect(result).toMatchObject({
        verified: true,
        authenticationInfo: { credentialID: credential.id, newCounter: expectedCounter },
      });
      credential.counter = result.authenticationInfo.newCounter;
    }
  });

  it('fills the L3 publicKey field with an SPKI key that checks the assertion signature', async () => {
    const authenticator = new SoftwareAuthenticator();
    const options = await registrationOptions();
    const registration = authenticator.createCredential(options, { origin: ORIGIN });
    const assertion = authenticator.getAssertion(await generateAuthenticationOptions({ rpID: RP_ID }), {
      origin: ORIGIN,
    });

    const publicKey = createPublicKey({
      key: Buffer.from(registration.response.publicKey ?? '', 'base64url'),
      format: 'der',
      type: 'spki',
    });
    const signedData = Buffer.concat([
      Buffer.from(assertion.response.authenticatorData, 'base64url'),
      createHash('sha256').update(Buffer.from(assertion.response.clientDataJSON, 'base64url')).digest(),
    ]);
    expect(
      verify('sha256', signedData, publicKey, Buffer.from(assertion.response.signature, 'base64url')),
    ).toBe(true);
  });

  it('rejects a stale counter (cloned authenticator) but accepts synced passkeys that always send 0', async () => {
    const authenticator = new SoftwareAuthenticator();
    const credential = await register(authenticator);

    const staleOptions = await generateAuthenticationOptions({ rpID: RP_ID });
    const stale = authenticator.getAssertion(staleOptions, { origin: ORIGIN, overrideCounter: 3 });
    await expect(
      verifyAssertion(stale, staleOptions.challenge, { ...credential, counter: 5 }),
    ).rejects.toThrow(/counter/);

    const synced = await register(authenticator, { backupEligible: true, backedUp: true });
    for (let i = 0; i < 2; i++) {
      const options = await generateAuthenticationOptions({
        rpID: RP_ID,
        allowCredentials: [{ id: synced.id }],
      });
      const response = authenticator.getAssertion(options, { origin: ORIGIN, counterIncrement: 0 });
      await expect(verifyAssertion(response, options.challenge, synced)).resolves.toMatchObject({
        verified: true,
        authenticationInfo: { newCounter: 0, credentialDeviceType: 'multiDevice', credentialBackedUp: true },
      });
    }
  });

  it('sets UV only when asked: an assertion requiring UV fails without it', async () => {
    const authenticator = new SoftwareAuthenticator();
    const credential = await register(authenticator);
    const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required' });
    const response = authenticator.getAssertion(options, { origin: ORIGIN, userVerified: false });

    await expect(verifyAssertion(response, options.challenge, credential, true)).rejects.toThrow(
      /User verification required/,
    );
    await expect(verifyAssertion(response, options.challenge, credential, false)).resolves.toMatchObject({
      verified: true,
      authenticationInfo: { userVerified: false },
    });
  });

  it('is rejected for a tampered signature, a wrong origin or a replayed challenge', async () => {
    const authenticator = new SoftwareAuthenticator();
    const credential = await register(authenticator);
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const earlierOptions = await generateAuthenticationOptions({ rpID: RP_ID });

    const tampered = authenticator.getAssertion(options, { origin: ORIGIN, tamperSignature: true });
    await expect(verifyAssertion(tampered, options.challenge, credential)).resolves.toMatchObject({
      verified: false,
    });

    const wrongOrigin = authenticator.getAssertion(options, { origin: 'https://evil.example.test' });
    await expect(verifyAssertion(wrongOrigin, options.challenge, credential)).rejects.toThrow(/origin/);

    const replayed = authenticator.getAssertion(options, {
      origin: ORIGIN,
      challenge: earlierOptions.challenge,
    });
    await expect(verifyAssertion(replayed, options.challenge, credential)).rejects.toThrow(/challenge/);
  });

  it('answers a usernameless request with a discoverable credential and its user handle', async () => {
    const authenticator = new SoftwareAuthenticator();
    const credential = await register(authenticator, {}, { residentKey: 'required' });
    const options = await generateAuthenticationOptions({ rpID: RP_ID });

    const response = authenticator.getAssertion(options, { origin: ORIGIN });

    expect(response.id).toBe(credential.id);
    expect(response.response.userHandle).toBe(Buffer.from(USER_ID).toString('base64url'));
    await expect(verifyAssertion(response, options.challenge, credential)).resolves.toMatchObject({
      verified: true,
    });
  });

  it('keeps non-discoverable credentials out of usernameless requests and sends no user handle for them', async () => {
    const authenticator = new SoftwareAuthenticator();
    const credential = await register(authenticator, {}, { residentKey: 'discouraged' });

    expect(() => authenticator.getAssertion({ challenge: 'AAAA', rpId: RP_ID }, { origin: ORIGIN })).toThrow(
      /NotAllowedError/,
    );
    const response = authenticator.getAssertion(
      { challenge: 'AAAA', rpId: RP_ID, allowCredentials: [{ id: credential.id, type: 'public-key' }] },
      { origin: ORIGIN },
    );
    expect(response.id).toBe(credential.id);
    expect(response.response.userHandle).toBeUndefined();
  });
});
