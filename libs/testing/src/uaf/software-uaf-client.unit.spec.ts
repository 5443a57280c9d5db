import { createHash, X509Certificate } from 'node:crypto';
import { SoftwareUafAuthenticator, type UafAuthenticatorOptions } from './software-uaf-authenticator';
import { SoftwareUafClient } from './software-uaf-client';
import { createTestUafCa } from './test-uaf-ca';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from './uaf-reference-verifier';
import { specExample } from './uaf-spec-examples';

const APP_ID = 'https://id.example.test/api/identity-store/public/stores/acme/appkeys/bank/facets';
const FACET_ID = 'android:apk-key-hash:2jmj7l5rSw0yVb_vlWAYkK_YBwk';
const HEADER = { upv: { major: 1, minor: 1 }, appID: APP_ID, serverData: 'session-42' };
const ANY_AUTHENTICATOR = { accepted: [[{ assertionSchemes: ['UAFV1TLV'] }]] };

const registrationRequest = (policy: object = ANY_AUTHENTICATOR, header: object = HEADER) =>
  JSON.stringify([
    {
      header: { ...header, op: 'Reg' },
      challenge: 'cmVnaXN0cmF0aW9uLWNoYWxsZW5nZS0zMi1ieXRlcyE',
      username: 'user-1',
      policy,
    },
  ]);

const authenticationRequest = (policy: object = ANY_AUTHENTICATOR, transaction?: object[]) =>
  JSON.stringify([
    {
      header: { ...HEADER, op: 'Auth' },
      challenge: 'YXV0aGVudGljYXRpb24tY2hhbGxlbmdlLTMyLWJ5dGVz',
      policy,
      ...(transaction && { transaction }),
    },
  ]);

const deviceWith = (options: UafAuthenticatorOptions = {}) => {
  const authenticator = new SoftwareUafAuthenticator(options);
  return { authenticator, client: new SoftwareUafClient({ facetID: FACET_ID, authenticator }) };
};

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();

describe('SoftwareUafClient against the spec examples', () => {
  it('the reference verifier accepts the spec example responses (so it reads the layout as the spec writes it)', () => {
    const registration = verifyRegistrationResponse(specExample.registrationResponse);
    expect(registration).toMatchObject({
      aaid: 'ABCD#ABCD',
      attestation: 'BASIC_FULL',
      signatureAlgorithm: 0x0001,
      publicKeyEncoding: 0x0100,
      fc: {
        appID: specExample.appID,
        challenge: specExample.registrationChallenge,
        facetID: specExample.facetID,
      },
    });
    const authentication = verifyAuthenticationResponse(
      specExample.authenticationResponse,
      registration.publicKey,
    );
    expect(authentication).toMatchObject({
      keyID: registration.keyID,
      authenticationMode: 0x01,
      signCounter: 2,
    });
    expect(authentication.transactionContentHash).toHaveLength(0);
  });

  it('registers and authenticates with the spec example requests, answering their headers', () => {
    const { client } = deviceWith();
    const registrationText = client.register(specExample.registrationRequest);
    const registration = verifyRegistrationResponse(registrationText);
    expect(registration.header).toEqual(JSON.parse(specExample.registrationRequest)[0].header);
    expect(registration.fc).toEqual({
      appID: specExample.appID,
      challenge: specExample.registrationChallenge,
      facetID: FACET_ID,
      channelBinding: {},
    });

    const authentication = verifyAuthenticationResponse(
      client.authenticate(specExample.authenticationRequest),
      registration.publicKey,
    );
    expect(authentication.header).toEqual(JSON.parse(specExample.authenticationRequest)[0].header);
    expect(authentication.fc.challenge).toBe(specExample.authenticationChallenge);
    expect(authentication.keyID).toBe(registration.keyID);
  });

  it('refuses the spec example registration for an authenticator its policy does not accept', () => {
    // Presence only and hardware keys: none of the example's single-criteria combinations match.
    const { client } = deviceWith({ userVerification: 0x1, keyProtection: 0x2 });
    expect(() => client.register(specExample.registrationRequest)).toThrow(/NO_SUITABLE_AUTHENTICATOR/);
  });

  it('runs the spec example deregistration: every key of AAID ABCD#ABCD for the appID, no other', () => {
    const { authenticator, client } = deviceWith({ aaid: 'ABCD#ABCD' });
    client.register(specExample.registrationRequest);
    client.register(specExample.registrationRequest);
    const other = verifyRegistrationResponse(client.register(registrationRequest())).keyID;
    client.deregister(specExample.deregistrationRequest);
    expect(authenticator.keyIDs()).toEqual([other]);
  });
});

describe.each([
  ['BASIC_SURROGATE', 'RAW', 'RAW'],
  ['BASIC_SURROGATE', 'RAW', 'DER'],
  ['BASIC_SURROGATE', 'DER', 'RAW'],
  ['BASIC_SURROGATE', 'DER', 'DER'],
  ['BASIC_FULL', 'RAW', 'RAW'],
  ['BASIC_FULL', 'RAW', 'DER'],
  ['BASIC_FULL', 'DER', 'RAW'],
  ['BASIC_FULL', 'DER', 'DER'],
] as const)('%s attestation, %s signatures, %s public key', (attestation, signatureEncoding, keyEncoding) => {
  const ca = createTestUafCa({ intermediate: true });
  const root = new X509Certificate(ca.rootPem);

  it('answers a registration and authentications the reference verifier accepts', () => {
    const { client } = deviceWith({
      aaid: '4E4E#4005',
      attestation,
      signatureEncoding,
      keyEncoding,
      attestationCa: ca,
    });
    const registration = verifyRegistrationResponse(client.register(registrationRequest()), root);

    expect(registration).toMatchObject({
      aaid: '4E4E#4005',
      attestation,
      authenticatorVersion: 1,
      signatureAlgorithm: signatureEncoding === 'RAW' ? 0x0001 : 0x0002,
      publicKeyEncoding: keyEncoding === 'RAW' ? 0x0100 : 0x0101,
      signCounter: 0,
      regCounter: 1,
      header: { ...HEADER, op: 'Reg' },
      fc: {
        appID: APP_ID,
        challenge: 'cmVnaXN0cmF0aW9uLWNoYWxsZW5nZS0zMi1ieXRlcyE',
        facetID: FACET_ID,
        channelBinding: {},
      },
    });
    expect(Buffer.from(registration.keyID, 'base64url')).toHaveLength(32);
    if (keyEncoding === 'RAW') expect(registration.publicKeyBytes).toHaveLength(65);
    else
      expect(
        registration.publicKeyBytes.equals(registration.publicKey.export({ type: 'spki', format: 'der' })),
      ).toBe(true);
    if (signatureEncoding === 'RAW') expect(registration.signature).toHaveLength(64);
    else expect(registration.signature[0]).toBe(0x30); // DER SEQUENCE { r, s }
    expect(registration.certificates).toHaveLength(attestation === 'BASIC_FULL' ? 2 : 0);

    for (const signCounter of [1, 2]) {
      const authentication = verifyAuthenticationResponse(
        client.authenticate(authenticationRequest()),
        registration.publicKey,
      );
      expect(authentication).toMatchObject({
        aaid: '4E4E#4005',
        keyID: registration.keyID,
        authenticationMode: 0x01,
        signatureAlgorithm: registration.signatureAlgorithm,
        signCounter,
        header: { ...HEADER, op: 'Auth' },
      });
      expect(authentication.nonce.length).toBeGreaterThanOrEqual(8);
    }
  });
});

describe('SoftwareUafClient counters', () => {
  it('counts registrations across appIDs, and signatures per key from 0', () => {
    const { client } = deviceWith();
    const first = verifyRegistrationResponse(client.register(registrationRequest()));
    const second = verifyRegistrationResponse(
      client.register(
        registrationRequest(ANY_AUTHENTICATOR, { ...HEADER, appID: 'https://other.example.test/facets' }),
      ),
    );
    expect([first.regCounter, second.regCounter]).toEqual([1, 2]);
    expect([first.signCounter, second.signCounter]).toEqual([0, 0]);
    const signCounter = () =>
      verifyAuthenticationResponse(client.authenticate(authenticationRequest()), first.publicKey).signCounter;
    expect([signCounter(), signCounter(), signCounter()]).toEqual([1, 2, 3]);
  });

  it('signs from a counter a test sets (a cloned authenticator replaying an old count)', () => {
    const { authenticator, client } = deviceWith();
    const { keyID, publicKey } = verifyRegistrationResponse(client.register(registrationRequest()));
    client.authenticate(authenticationRequest());
    client.authenticate(authenticationRequest());
    authenticator.setSignCounter(keyID, 0);
    expect(
      verifyAuthenticationResponse(client.authenticate(authenticationRequest()), publicKey).signCounter,
    ).toBe(1);
  });

  it('sends zero counters when built without them', () => {
    const { client } = deviceWith({ counters: false });
    const registration = verifyRegistrationResponse(client.register(registrationRequest()));
    expect([registration.signCounter, registration.regCounter]).toEqual([0, 0]);
    const authentication = verifyAuthenticationResponse(
      client.authenticate(authenticationRequest()),
      registration.publicKey,
    );
    expect(authentication.signCounter).toBe(0);
  });
});

describe('SoftwareUafClient transaction confirmation', () => {
  const content = 'Pay 120.00 EUR to ACME Corp';
  const transaction = [
    { contentType: 'image/png', content: Buffer.from('not a png').toString('base64url') },
    { contentType: 'text/plain', content: Buffer.from(content, 'utf8').toString('base64url') },
  ];

  it('confirms the text/plain transaction: mode 0x02 and the SHA-256 of the decoded content', () => {
    const { client } = deviceWith();
    const { publicKey } = verifyRegistrationResponse(client.register(registrationRequest()));
    const authentication = verifyAuthenticationResponse(
      client.authenticate(authenticationRequest(ANY_AUTHENTICATOR, transaction)),
      publicKey,
    );
    expect(authentication.authenticationMode).toBe(0x02);
    expect(authentication.transactionContentHash.equals(sha256(Buffer.from(content, 'utf8')))).toBe(true);
  });

  it('signs a plain authentication when told not to confirm it (mode 0x01, empty hash)', () => {
    const { client } = deviceWith();
    const { publicKey } = verifyRegistrationResponse(client.register(registrationRequest()));
    const text = client.authenticate(authenticationRequest(ANY_AUTHENTICATOR, transaction), {
      confirmTransaction: false,
    });
    const authentication = verifyAuthenticationResponse(text, publicKey);
    expect(authentication.authenticationMode).toBe(0x01);
    expect(authentication.transactionContentHash).toHaveLength(0);
  });

  it('refuses a transaction it cannot display', () => {
    const { client } = deviceWith();
    client.register(registrationRequest());
    expect(() =>
      client.authenticate(authenticationRequest(ANY_AUTHENTICATOR, transaction.slice(0, 1))),
    ).toThrow(/text\/plain/);
  });
});

describe('SoftwareUafClient policy', () => {
  it('refuses to register again where the policy disallows a keyID it holds, unless told to ignore the policy', () => {
    const { authenticator, client } = deviceWith();
    const { keyID } = verifyRegistrationResponse(client.register(registrationRequest()));
    const again = registrationRequest({ ...ANY_AUTHENTICATOR, disallowed: [{ keyIDs: [keyID] }] });
    expect(() => client.register(again)).toThrow(/NO_SUITABLE_AUTHENTICATOR/);
    verifyRegistrationResponse(client.register(again, { ignorePolicy: true }));
    expect(authenticator.keyIDs()).toHaveLength(2);
  });

  it('matches aaid, vendorID, algorithms, attestation types and userVerification flags', () => {
    const { client } = deviceWith({ aaid: '4e4e#4005', attestation: 'BASIC_FULL' });
    const criteria = [
      { aaid: ['4E4E#4005'] },
      { vendorID: ['4E4E'] },
      { authenticationAlgorithms: [1], attestationTypes: [0x3e07] },
      { userVerification: 0x4 },
      { userVerification: 0x400 | 0x2 | 0x4 },
      { keyProtection: 0x1 | 0x2, tcDisplay: 0x1, attachmentHint: 0x1, authenticatorVersion: 1 },
    ];
    for (const criterion of criteria)
      expect(() => client.register(registrationRequest({ accepted: [[criterion]] }))).not.toThrow();
    const refused = [
      { aaid: ['4E4E#4006'] },
      { authenticationAlgorithms: [2] },
      { attestationTypes: [0x3e08] },
      { userVerification: 0x400 | 0x2 | 0x10 },
      { authenticatorVersion: 2 },
    ];
    for (const criterion of refused)
      expect(() => client.register(registrationRequest({ accepted: [[criterion]] }))).toThrow(
        /NO_SUITABLE_AUTHENTICATOR/,
      );
  });

  it('signs with a key the authentication policy names, and with another only when told to ignore it', () => {
    const { client } = deviceWith();
    const first = verifyRegistrationResponse(client.register(registrationRequest()));
    const second = verifyRegistrationResponse(client.register(registrationRequest()));
    const onlySecond = authenticationRequest({
      accepted: [[{ aaid: ['FFFF#5A01'], keyIDs: [second.keyID] }]],
    });

    expect(verifyAuthenticationResponse(client.authenticate(onlySecond), second.publicKey).keyID).toBe(
      second.keyID,
    );
    expect(() => client.authenticate(onlySecond, { keyID: first.keyID })).toThrow(/does not allow key/);
    const ignored = client.authenticate(onlySecond, { keyID: first.keyID, ignorePolicy: true });
    expect(verifyAuthenticationResponse(ignored, first.publicKey).keyID).toBe(first.keyID);
  });

  it('has nothing to sign with when the policy names no key it holds', () => {
    const { client } = deviceWith();
    client.register(registrationRequest());
    expect(() =>
      client.authenticate(authenticationRequest({ accepted: [[{ keyIDs: ['bm90LWEta2V5'] }]] })),
    ).toThrow(/NO_SUITABLE_AUTHENTICATOR/);
  });
});

describe('SoftwareUafClient messages', () => {
  it('signs what a test overrides: another facetID or challenge, still consistently hashed', () => {
    const { client } = deviceWith();
    const text = client.register(registrationRequest(), {
      facetID: 'https://evil.example.test',
      challenge: 'b2xkLWNoYWxsZW5nZQ',
    });
    expect(verifyRegistrationResponse(text).fc).toMatchObject({
      facetID: 'https://evil.example.test',
      challenge: 'b2xkLWNoYWxsZW5nZQ',
    });
  });

  it('uses the facetID as appID when the request has none', () => {
    const { authenticator, client } = deviceWith();
    const registration = verifyRegistrationResponse(
      client.register(registrationRequest(ANY_AUTHENTICATOR, { ...HEADER, appID: '' })),
    );
    expect(registration.fc.appID).toBe(FACET_ID);
    expect(authenticator.keyIDs(FACET_ID)).toEqual([registration.keyID]);
  });

  it('answers the 1.1 message of a multi-version request and refuses one of another operation', () => {
    const { client } = deviceWith();
    const [message] = JSON.parse(registrationRequest());
    const versions = JSON.stringify([
      { ...message, header: { ...message.header, upv: { major: 1, minor: 0 }, serverData: 'v1.0' } },
      message,
    ]);
    expect(verifyRegistrationResponse(client.register(versions)).header.serverData).toBe('session-42');
    expect(() => client.authenticate(registrationRequest())).toThrow(/expected op "Auth"/);
  });

  it('forgets the keys a deregistration names, and only those', () => {
    const { authenticator, client } = deviceWith();
    const [first, second] = [1, 2].map(
      () => verifyRegistrationResponse(client.register(registrationRequest())).keyID,
    );
    const deregistration = (authenticators: object[]) =>
      JSON.stringify([
        { header: { upv: { major: 1, minor: 1 }, op: 'Dereg', appID: APP_ID }, authenticators },
      ]);

    client.deregister(deregistration([{ aaid: 'AAAA#0001', keyID: first }]));
    expect(authenticator.keyIDs()).toEqual([first, second]);
    client.deregister(deregistration([{ aaid: 'ffff#5a01', keyID: first }]));
    expect(authenticator.keyIDs()).toEqual([second]);
    client.deregister(deregistration([{ aaid: '', keyID: '' }]));
    expect(authenticator.keyIDs()).toEqual([]);
    expect(() => client.authenticate(authenticationRequest())).toThrow(/NO_SUITABLE_AUTHENTICATOR/);
  });
});
