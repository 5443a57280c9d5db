import { DomainError, type PasskeyConfig, type UserRecord } from '@identity-store/contracts';
import { SettingsService } from '@simplewebauthn/server';
import {
  type CreateCredentialKnobs,
  type GetAssertionKnobs,
  SoftwareAuthenticator,
} from '@identity-store/testing';
import type { PasskeyState, RegistrationSession } from '../domain/passkey';
import { creationOptions, requestOptions, userHandleOf } from './ceremony-options';
import { checkAssertion, checkAttestation, type Expectations } from './verify-response';

/**
 * The checks of real WebAuthn responses — made by libs/testing's software authenticator from the
 * options the service builds — with @simplewebauthn/server: a reason per broken expectation, a 400
 * for what cannot be read, and the counter left to the decider.
 */

const RP = 'example.com';
const ORIGIN = 'https://login.example.com';
const AAGUID = 'adce0002-35bc-c60a-648b-0b25f1f05503';
const at = (field: string) => `body.${field}`;

const config: PasskeyConfig = {
  rpId: RP,
  rpName: 'Example',
  origins: ['https://example.com', ORIGIN],
  registrationPolicies: {
    default: {
      attestation: 'none',
      residentKey: 'preferred',
      userVerification: 'required',
      hints: ['hybrid'],
    },
  },
  authenticationPolicies: {
    default: { userVerification: 'required', hints: ['security-key'], timeout: 60_000 },
  },
};
const user: UserRecord = {
  id: 'user-1',
  storeId: 'store-1',
  extId: 'alice',
  status: 'ACTIVE',
  attributes: {},
  createdDtm: '2026-05-07T10:00:00.000Z',
  lastUpdatedDtm: '2026-05-07T10:00:00.000Z',
};
const challenge = (n: number) => Buffer.alloc(32, n).toString('base64url');
const session = (n = 1): RegistrationSession => ({
  kind: 'REGISTRATION',
  id: `reg-${n}`,
  storeId: 'store-1',
  startedDtm: '2026-05-07T10:00:00.000Z',
  rpId: RP,
  policyName: 'default',
  challenge: challenge(n),
  userVerification: 'required',
  hints: ['hybrid'],
  expiresDtm: '2026-05-07T10:05:00.000Z',
});
const expected = (n = 1, userVerification: Expectations['userVerification'] = 'required'): Expectations => ({
  challenge: challenge(n),
  origins: config.origins,
  rpId: RP,
  userVerification,
});

const registrationOptions = () =>
  creationOptions(config, config.registrationPolicies.default!, user, session(), 300_000, []);

const attest = async (
  knobs: Partial<CreateCredentialKnobs> = {},
  authenticator = new SoftwareAuthenticator(),
) =>
  checkAttestation(
    authenticator.createCredential(await registrationOptions(), { origin: ORIGIN, ...knobs }),
    expected(),
    at,
  );

/** A registered passkey of an authenticator, as the decider keeps it. */
const registeredPasskey = async (authenticator: SoftwareAuthenticator): Promise<PasskeyState> => {
  const check = await attest({}, authenticator);
  if (!check.ok) throw new Error(`registration failed: ${check.reason}`);
  const { ok: _ok, ...verified } = check;
  return {
    id: 'pk-1',
    storeId: 'store-1',
    rpId: RP,
    name: null,
    status: 'ACTIVE',
    policyName: 'default',
    createdDtm: '2026-05-07T10:00:00.000Z',
    lastUsedDtm: null,
    ...verified,
  };
};

describe('ceremony options', () => {
  it('carry the policy, the session’s challenge and the hints (which the library has no option for)', async () => {
    const options = await registrationOptions();
    expect(options).toMatchObject({
      rp: { id: RP, name: 'Example' },
      user: { id: userHandleOf('user-1'), name: 'alice', displayName: 'alice' },
      challenge: challenge(1),
      timeout: 300_000,
      attestation: 'none',
      hints: ['hybrid'],
      authenticatorSelection: {
        residentKey: 'preferred',
        requireResidentKey: false,
        userVerification: 'required',
      },
    });
    expect(Buffer.from(options.user.id, 'base64url').toString()).toBe('user-1');
    const request = await requestOptions(
      config.authenticationPolicies.default!,
      {
        ...session(2),
        kind: 'AUTHENTICATION',
        allowCredentials: [],
        usernameless: true,
        hints: ['security-key'],
      },
      [],
    );
    expect(request).toEqual({
      rpId: RP,
      challenge: challenge(2),
      timeout: 60_000,
      userVerification: 'required',
      hints: ['security-key'],
    });
  });
});

describe('public key algorithms (L9)', () => {
  it('the registration options offer exactly EdDSA, ES256 and RS256, whatever the runtime supports', async () => {
    // A runtime with post-quantum WebCrypto makes the library's default list longer (ML-DSA-44).
    const pqc = jest.spyOn(SettingsService, 'runtimeSupportsPQC').mockReturnValue(true);
    try {
      expect((await registrationOptions()).pubKeyCredParams).toEqual([
        { alg: -8, type: 'public-key' },
        { alg: -7, type: 'public-key' },
        { alg: -257, type: 'public-key' },
      ]);
    } finally {
      pqc.mockRestore();
    }
  });

  it('refuses a credential with an RS1 (RSASSA-PKCS1-v1_5 with SHA-1) key, with or without attestation', async () => {
    expect(await attest({ algorithm: -65535 })).toEqual({ ok: false, reason: 'INVALID_ATTESTATION' });
    expect(await attest({ algorithm: -65535, attestation: 'packed' })).toEqual({
      ok: false,
      reason: 'INVALID_ATTESTATION',
    });
  });

  it('accepts an RS256 credential, and verifies its assertions', async () => {
    const authenticator = new SoftwareAuthenticator();
    const check = await attest({ algorithm: -257, attestation: 'packed' }, authenticator);
    if (!check.ok) throw new Error(`registration failed: ${check.reason}`);
    const { ok: _ok, ...verified } = check;
    const passkey: PasskeyState = {
      id: 'pk-rsa',
      storeId: 'store-1',
      rpId: RP,
      name: null,
      status: 'ACTIVE',
      policyName: 'default',
      createdDtm: '2026-05-07T10:00:00.000Z',
      lastUsedDtm: null,
      ...verified,
    };
    const options = await requestOptions(
      config.authenticationPolicies.default!,
      {
        ...session(4),
        kind: 'AUTHENTICATION',
        allowCredentials: [passkey.credentialId],
        usernameless: false,
      },
      [passkey],
    );
    const response = authenticator.getAssertion(options, { origin: ORIGIN });
    expect(await checkAssertion(response, expected(4), passkey, at)).toMatchObject({
      ok: true,
      signCount: 1,
    });
    const tampered = authenticator.getAssertion(options, { origin: ORIGIN, tamperSignature: true });
    expect(await checkAssertion(tampered, expected(4), passkey, at)).toMatchObject({
      ok: false,
      reason: 'INVALID_SIGNATURE',
    });
  });
});

describe('checkAttestation', () => {
  it('verifies "none" and "packed" self attestation and reports what the authenticator said', async () => {
    expect(
      await attest({ backupEligible: true, backedUp: true, transports: ['internal', 'hybrid'] }),
    ).toMatchObject({
      ok: true,
      attestationFormat: 'none',
      aaguid: '00000000-0000-0000-0000-000000000000',
      transports: ['internal', 'hybrid'],
      userVerified: true,
      backupEligible: true,
      backedUp: true,
      deviceType: 'multiDevice',
      authenticatorAttachment: 'platform',
      origin: ORIGIN,
      signCount: 0,
    });
    expect(
      await attest(
        { attestation: 'packed', authenticatorAttachment: 'cross-platform' },
        new SoftwareAuthenticator({ aaguid: AAGUID }),
      ),
    ).toMatchObject({
      ok: true,
      attestationFormat: 'packed',
      aaguid: AAGUID,
      deviceType: 'singleDevice',
      authenticatorAttachment: 'cross-platform',
    });
  });

  it.each<[Partial<CreateCredentialKnobs>, string]>([
    [{ challenge: challenge(9) }, 'CHALLENGE_MISMATCH'],
    [{ origin: 'https://evil.example' }, 'ORIGIN_MISMATCH'],
    [{ origin: 'https://example.com:8443' }, 'ORIGIN_MISMATCH'],
    [{ rpId: 'evil.example' }, 'RP_ID_MISMATCH'],
    [{ userPresent: false }, 'USER_NOT_PRESENT'],
    [{ userVerified: false }, 'USER_VERIFICATION_MISSING'],
    [{ attestation: 'packed', tamperSignature: true }, 'INVALID_ATTESTATION'],
  ])('%j fails as %s', async (knobs, reason) => {
    expect(await attest(knobs)).toEqual({ ok: false, reason });
  });

  it('lets a missing UV pass when the policy only prefers it', async () => {
    const response = new SoftwareAuthenticator().createCredential(await registrationOptions(), {
      origin: ORIGIN,
      userVerified: false,
    });
    expect(await checkAttestation(response, expected(1, 'preferred'), at)).toMatchObject({
      ok: true,
      userVerified: false,
    });
  });

  it('answers what cannot be read with a 400 naming the field', async () => {
    const response = new SoftwareAuthenticator().createCredential(await registrationOptions(), {
      origin: ORIGIN,
    });
    const fieldOf = async (changed: typeof response) => {
      try {
        await checkAttestation(changed, expected(), at);
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe('INVALID_WEBAUTHN_RESPONSE');
        return (error as DomainError).errors?.map((e) => e.path);
      }
      throw new Error('expected a 400');
    };
    const text = (value: string) => Buffer.from(value).toString('base64url');
    expect(
      await fieldOf({ ...response, response: { ...response.response, clientDataJSON: text('{') } }),
    ).toEqual(['body.response.clientDataJSON']);
    expect(
      await fieldOf({ ...response, response: { ...response.response, clientDataJSON: text('{"type":1}') } }),
    ).toEqual(['body.response.clientDataJSON']);
    expect(
      await fieldOf({ ...response, response: { ...response.response, attestationObject: text('x') } }),
    ).toEqual(['body.response.attestationObject']);
    expect(await fieldOf({ ...response, id: 'AAAA', rawId: 'AAAA' })).toEqual(['body.id']);
  });
});

describe('checkAssertion', () => {
  const authenticate = async (
    knobs: Partial<GetAssertionKnobs> = {},
    userVerification: Expectations['userVerification'] = 'required',
  ) => {
    const authenticator = new SoftwareAuthenticator();
    const passkey = await registeredPasskey(authenticator);
    const options = await requestOptions(
      config.authenticationPolicies.default!,
      {
        ...session(3),
        kind: 'AUTHENTICATION',
        allowCredentials: [passkey.credentialId],
        usernameless: false,
      },
      [passkey],
    );
    const response = authenticator.getAssertion(options, { origin: ORIGIN, ...knobs });
    return {
      response,
      passkey,
      check: await checkAssertion(response, expected(3, userVerification), passkey, at),
    };
  };

  it('verifies the signature and reports the signed counter, leaving its judgement to the decider', async () => {
    expect((await authenticate()).check).toEqual({
      ok: true,
      signCount: 1,
      userVerified: true,
      backedUp: false,
      origin: ORIGIN,
    });
    // A counter below the stored one still verifies here (the library's own counter check is kept out).
    expect((await authenticate({ overrideCounter: 0 })).check).toMatchObject({ ok: true, signCount: 0 });
  });

  it.each<[Partial<GetAssertionKnobs>, string]>([
    [{ challenge: challenge(9) }, 'CHALLENGE_MISMATCH'],
    [{ origin: 'https://evil.example' }, 'ORIGIN_MISMATCH'],
    [{ rpId: 'evil.example' }, 'RP_ID_MISMATCH'],
    [{ userPresent: false }, 'USER_NOT_PRESENT'],
    [{ userVerified: false }, 'USER_VERIFICATION_MISSING'],
    [{ tamperSignature: true }, 'INVALID_SIGNATURE'],
  ])('%j fails as %s, with what the authenticator data said', async (knobs, reason) => {
    const { check } = await authenticate(knobs);
    expect(check).toEqual({ ok: false, reason, userVerified: knobs.userVerified ?? true, signCount: 1 });
  });

  it('a response of the other ceremony type fails as UNEXPECTED_TYPE', async () => {
    const { response, passkey } = await authenticate();
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: 'webauthn.create',
        challenge: challenge(3),
        origin: ORIGIN,
        crossOrigin: false,
      }),
    ).toString('base64url');
    const changed = { ...response, response: { ...response.response, clientDataJSON } };
    expect(await checkAssertion(changed, expected(3), passkey, at)).toMatchObject({
      ok: false,
      reason: 'UNEXPECTED_TYPE',
    });
  });

  it('an unknown credential cannot be verified: the decider names it', async () => {
    const { response } = await authenticate();
    expect(await checkAssertion(response, expected(3), undefined, at)).toMatchObject({
      ok: false,
      reason: 'UNKNOWN_CREDENTIAL',
    });
  });

  it('a signature made by another key does not verify', async () => {
    const { response } = await authenticate();
    const other = await registeredPasskey(new SoftwareAuthenticator());
    expect(
      await checkAssertion(response, expected(3), { ...other, credentialId: response.id }, at),
    ).toMatchObject({
      ok: false,
      reason: 'INVALID_SIGNATURE',
    });
  });
});
