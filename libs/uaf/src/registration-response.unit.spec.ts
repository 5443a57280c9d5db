import { type KeyObject, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { UAF_ALG, UAF_KEY, UAF_TAGS, verifyRegistrationResponse } from './index';
import { type Tlv } from './tlv';
import { issueCertificate, newAttestationChain, pemOf } from './testing/test-certificates';
import {
  APP_ID,
  FACET_ANDROID,
  FACET_WEB,
  NOW,
  registrationCeremony,
  uafErrorCode,
} from './testing/uaf-spec-ceremonies';
import { composite, leaf, testRegister, type RegisterOptions } from './testing/uaf-test-authenticator';

const T = UAF_TAGS;
const A = UAF_ALG;
const K = UAF_KEY;

/** Registers with the test authenticator and verifies; `edit` changes the expectation. */
const register = (
  options: Partial<RegisterOptions> = {},
  edit: (expected: ReturnType<typeof registrationCeremony>['expected']) => object = (e) => e,
) => {
  const { requestText, expected } = registrationCeremony();
  const answer = testRegister(requestText, { facetID: FACET_ANDROID, ...options });
  return {
    answer,
    verify: () =>
      verifyRegistrationResponse(answer.responseText, { ...expected, ...edit(expected) } as typeof expected),
  };
};
const refusal = (options: Partial<RegisterOptions>, edit?: Parameters<typeof register>[1]) =>
  uafErrorCode(register(options, edit).verify);

const replaceField = (tag: number, value: Buffer) => (fields: Tlv[]) =>
  fields.map((f) => (f.tag === tag ? leaf(tag, value) : f));

describe('verifyRegistrationResponse: every algorithm and key encoding of the FIDO Registry', () => {
  it.each([
    ['SECP256R1 RAW', A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW, K.ALG_KEY_ECC_X962_RAW],
    ['SECP256R1 RAW', A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW, K.ALG_KEY_ECC_X962_DER],
    ['SECP256R1 DER', A.ALG_SIGN_SECP256R1_ECDSA_SHA256_DER, K.ALG_KEY_ECC_X962_RAW],
    ['SECP256R1 DER', A.ALG_SIGN_SECP256R1_ECDSA_SHA256_DER, K.ALG_KEY_ECC_X962_DER],
    ['SECP256K1 RAW', A.ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW, K.ALG_KEY_ECC_X962_RAW],
    ['SECP256K1 DER', A.ALG_SIGN_SECP256K1_ECDSA_SHA256_DER, K.ALG_KEY_ECC_X962_DER],
    ['RSASSA-PSS RAW', A.ALG_SIGN_RSASSA_PSS_SHA256_RAW, K.ALG_KEY_RSA_2048_RAW],
    ['RSASSA-PSS DER', A.ALG_SIGN_RSASSA_PSS_SHA256_DER, K.ALG_KEY_RSA_2048_DER],
    ['PKCS1 RAW', A.ALG_SIGN_RSA_EMSA_PKCS1_SHA256_RAW, K.ALG_KEY_RSA_2048_DER],
    ['PKCS1 DER', A.ALG_SIGN_RSA_EMSA_PKCS1_SHA256_DER, K.ALG_KEY_RSA_2048_RAW],
  ])(
    '%s with key encoding 0x%s: a surrogate attestation registers the key as SPKI',
    (_, signAlgorithm, publicKeyEncoding) => {
      const { answer, verify: run } = register({
        signAlgorithm,
        publicKeyEncoding,
        signCounter: 0,
        regCounter: 7,
        authenticatorVersion: 3,
      });
      const { facetID, registrations } = run();
      expect(facetID).toBe(FACET_ANDROID);
      const [registration] = registrations;
      expect(registration).toEqual({
        aaid: 'FFFF#0001',
        keyID: answer.registration.keyID.toString('base64url'),
        publicKey: answer.registration.keyPair.publicKey
          .export({ type: 'spki', format: 'der' })
          .toString('base64url'),
        signAlgorithm,
        publicKeyEncoding,
        signCounter: 0,
        regCounter: 7,
        authenticatorVersion: 3,
        authenticationMode: 1,
        attestationType: 'BASIC_SURROGATE',
        attestationTrusted: false,
      });
      const key = createPublicKey({
        key: Buffer.from(registration!.publicKey, 'base64url'),
        format: 'der',
        type: 'spki',
      });
      expect(key.equals(answer.registration.keyPair.publicKey)).toBe(true);
    },
  );

  it('accepts an RSA ALG_KEY_RSA_2048_DER key sent as SubjectPublicKeyInfo, as deployed authenticators do', () => {
    const spki = (publicKey: KeyObject) => publicKey.export({ type: 'spki', format: 'der' });
    const { answer, verify: run } = register({
      signAlgorithm: A.ALG_SIGN_RSASSA_PSS_SHA256_DER,
      publicKeyEncoding: K.ALG_KEY_RSA_2048_DER,
      publicKeyBytes: spki,
    });
    expect(run().registrations[0]!.publicKey).toBe(
      spki(answer.registration.keyPair.publicKey).toString('base64url'),
    );
  });
});

describe('verifyRegistrationResponse: full basic attestation', () => {
  const aaid = 'FFFF#0002';
  const full = (chain = newAttestationChain(aaid), certificates = [chain.leaf, chain.intermediate]) => ({
    aaid,
    attestation: { type: 'BASIC_FULL' as const, certificates, attestationKey: chain.attestationKey },
  });

  it('registers with a chain to a trust anchor and reports the attestation certificate', () => {
    const chain = newAttestationChain(aaid);
    const { registrations } = register(full(chain), () => ({ trustAnchors: [pemOf(chain.root)] })).verify();
    expect(registrations[0]).toMatchObject({
      aaid,
      attestationType: 'BASIC_FULL',
      attestationTrusted: true,
      attestationCertificate: {
        subject: `CN=Test Authenticator ${aaid}`,
        issuer: 'CN=Test Attestation CA',
        serialNumber: '03',
      },
    });
  });

  it('trusts a chain whose last certificate is itself an anchor, or issued by an intermediate anchor', () => {
    const chain = newAttestationChain(aaid);
    const withRoot = full(chain, [chain.leaf, chain.intermediate, chain.root]);
    expect(
      register(withRoot, () => ({ trustAnchors: [pemOf(chain.root)] })).verify().registrations[0]!
        .attestationTrusted,
    ).toBe(true);
    expect(
      register(full(chain, [chain.leaf]), () => ({ trustAnchors: [pemOf(chain.intermediate)] })).verify()
        .registrations[0]!.attestationTrusted,
    ).toBe(true);
  });

  it('without trust anchors, checks the chain for consistency only (trusted: false)', () => {
    expect(register(full()).verify().registrations[0]!.attestationTrusted).toBe(false);
  });

  it('refuses a chain that ends in no trust anchor (ATTESTATION_UNTRUSTED)', () => {
    const other = newAttestationChain(aaid);
    expect(refusal(full(), () => ({ trustAnchors: [pemOf(other.root)] }))).toBe('ATTESTATION_UNTRUSTED');
  });

  it('refuses a surrogate attestation when trust anchors are configured (ATTESTATION_UNTRUSTED)', () => {
    expect(refusal({}, () => ({ trustAnchors: [pemOf(newAttestationChain(aaid).root)] }))).toBe(
      'ATTESTATION_UNTRUSTED',
    );
  });

  it('accepts a surrogate attestation with trust anchors when told to (acceptSurrogate), as untrusted', () => {
    const anchors = { trustAnchors: [pemOf(newAttestationChain(aaid).root)], acceptSurrogate: true };
    const [registration] = register({}, () => anchors).verify().registrations;
    expect([registration?.attestationType, registration?.attestationTrusted]).toEqual(['BASIC_SURROGATE', false]);
    // A full attestation is still held to the anchors.
    expect(refusal(full(), () => anchors)).toBe('ATTESTATION_UNTRUSTED');
  });

  it('refuses certificates outside their validity at `now` (ATTESTATION_INVALID)', () => {
    expect(refusal(full(), () => ({ now: new Date('2019-12-31T23:59:59Z') }))).toBe('ATTESTATION_INVALID');
    expect(refusal(full(), () => ({ now: new Date('2040-01-01T00:00:01Z') }))).toBe('ATTESTATION_INVALID');
    const expiredLeaf = newAttestationChain(aaid, { notAfter: new Date('2025-12-31T00:00:00Z') });
    expect(refusal(full(expiredLeaf))).toBe('ATTESTATION_INVALID');
    expect(NOW.getUTCFullYear()).toBe(2026);
  });

  it('refuses a chain out of order, or whose issuer is not a CA (ATTESTATION_INVALID)', () => {
    const chain = newAttestationChain(aaid);
    expect(refusal(full(chain, [chain.leaf, chain.root]))).toBe('ATTESTATION_INVALID');
    expect(refusal(full(chain, [chain.intermediate, chain.leaf]))).toBe('ATTESTATION_INVALID');
    const notCa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const leafKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const issuer = issueCertificate({
      subject: 'Not A CA',
      issuer: 'Not A CA',
      publicKey: notCa.publicKey,
      signingKey: notCa.privateKey,
    });
    const issued = issueCertificate({
      subject: 'Leaf',
      issuer: 'Not A CA',
      publicKey: leafKeys.publicKey,
      signingKey: notCa.privateKey,
    });
    const attestation = {
      type: 'BASIC_FULL' as const,
      certificates: [issued, issuer],
      attestationKey: leafKeys.privateKey,
    };
    expect(refusal({ aaid, attestation })).toBe('ATTESTATION_INVALID');
  });

  it('refuses an attestation certificate whose id-fido-gen-ce-aaid names another AAID (ATTESTATION_INVALID)', () => {
    expect(refusal(full(newAttestationChain('FFFF#9999')))).toBe('ATTESTATION_INVALID');
    expect(refusal(full(newAttestationChain(aaid, { aaid: Buffer.from('not DER') })))).toBe(
      'ATTESTATION_INVALID',
    );
    expect(register(full(newAttestationChain(aaid.toLowerCase()))).verify().registrations[0]!.aaid).toBe(
      aaid,
    );
  });

  it('refuses a TAG_ATTESTATION_CERT that is not one DER certificate (ATTESTATION_INVALID)', () => {
    const chain = newAttestationChain(aaid);
    expect(refusal(full(chain, [Buffer.concat([chain.leaf, Buffer.from([0])])]))).toBe('ATTESTATION_INVALID');
    expect(refusal(full(chain, [Buffer.from(pemOf(chain.leaf))]))).toBe('ATTESTATION_INVALID');
  });

  it('refuses a signature by another key than the attestation certificate’s (SIGNATURE_INVALID)', () => {
    const chain = newAttestationChain(aaid);
    const other = newAttestationChain(aaid);
    const attestation = {
      type: 'BASIC_FULL' as const,
      certificates: [chain.leaf],
      attestationKey: other.attestationKey,
    };
    expect(refusal({ aaid, attestation })).toBe('SIGNATURE_INVALID');
  });

  it('refuses an attestation key that does not fit the algorithm (UNSUPPORTED_ALGORITHM)', () => {
    const chain = newAttestationChain(aaid);
    const attestation = {
      type: 'BASIC_FULL' as const,
      certificates: [chain.leaf],
      attestationKey: chain.attestationKey,
      signAlgorithm: A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW,
    };
    expect(refusal({ aaid, attestation, signAlgorithm: A.ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW })).toBe(
      'UNSUPPORTED_ALGORITHM',
    );
  });

  it('a configuration error in the trust anchors is a TypeError, not a client error', () => {
    expect(() => register(full(), () => ({ trustAnchors: ['not a certificate'] })).verify()).toThrow(
      TypeError,
    );
  });
});

describe('verifyRegistrationResponse: the signed KRD', () => {
  it('signs the whole TAG_UAFV1_KRD TLV, tag and length included (Authenticator Commands §5.2.1)', () => {
    const { answer } = register();
    const krd = answer.assertion.subarray(4, 4 + 4 + answer.assertion.readUInt16LE(6));
    const signatureTlv = answer.assertion.subarray(4 + krd.length + 4);
    const signature = signatureTlv.subarray(4, 4 + signatureTlv.readUInt16LE(2));
    expect(krd.readUInt16LE(0)).toBe(T.TAG_UAFV1_KRD);
    expect(
      verify(
        'sha256',
        krd,
        { key: answer.registration.keyPair.publicKey, dsaEncoding: 'ieee-p1363' },
        signature,
      ),
    ).toBe(true);
  });

  it('refuses a KRD changed after signing (SIGNATURE_INVALID)', () => {
    const counters = (children: Tlv[]) => {
      const value = Buffer.from(children[0]!.value);
      value[value.indexOf(Buffer.from([0x0d, 0x2e, 0x08, 0x00])) + 4] = 0x63; // the low byte of SignCounter
      return [leaf(T.TAG_UAFV1_KRD, value), children[1]!];
    };
    expect(refusal({ editAssertion: counters })).toBe('SIGNATURE_INVALID');
  });

  it('refuses a KRD whose final challenge hash is not SHA-256(fcParams) (FINAL_CHALLENGE_MISMATCH)', () => {
    expect(refusal({ editKrd: replaceField(T.TAG_FINAL_CHALLENGE_HASH, Buffer.alloc(32, 7)) })).toBe(
      'FINAL_CHALLENGE_MISMATCH',
    );
  });

  it('accepts KRD fields in any order, a non-critical extension (0x3E12) and the UVI tag; keeps them signed', () => {
    const extension = composite(T.TAG_EXTENSION_NON_CRITICAL, [
      leaf(T.TAG_EXTENSION_ID, Buffer.from('fido.uaf.uvm')),
      leaf(T.TAG_EXTENSION_DATA, Buffer.from([2, 0, 0, 0])),
    ]);
    const edit = (fields: Tlv[]) =>
      [...fields].reverse().concat(extension, leaf(T.TAG_USER_VERIFICATION_INDEX, Buffer.alloc(32, 1)));
    expect(register({ editKrd: edit }).verify().registrations).toHaveLength(1);
    const outside = (children: Tlv[]) => [children[1]!, extension, children[0]!];
    expect(register({ editAssertion: outside }).verify().registrations).toHaveLength(1);
  });

  it('refuses a critical extension (0x3E11) or an unknown critical tag in the KRD or the assertion (UNKNOWN_CRITICAL_EXTENSION)', () => {
    const critical = composite(T.TAG_EXTENSION, [
      leaf(T.TAG_EXTENSION_ID, Buffer.from('vendor.ext')),
      leaf(T.TAG_EXTENSION_DATA, Buffer.alloc(0)),
    ]);
    expect(refusal({ editKrd: (fields) => [...fields, critical] })).toBe('UNKNOWN_CRITICAL_EXTENSION');
    expect(refusal({ editKrd: (fields) => [...fields, leaf(0x2e7f, Buffer.from([1]))] })).toBe(
      'UNKNOWN_CRITICAL_EXTENSION',
    );
    expect(refusal({ editAssertion: (children) => [...children, critical] })).toBe(
      'UNKNOWN_CRITICAL_EXTENSION',
    );
    expect(
      register({ editKrd: (fields) => [...fields, leaf(0x0f01, Buffer.from([1]))] }).verify().registrations,
    ).toHaveLength(1);
  });

  it.each<[string, RegisterOptions['editKrd']]>([
    ['a missing TAG_PUB_KEY', (fields) => fields.filter((f) => f.tag !== T.TAG_PUB_KEY)],
    ['a repeated TAG_KEYID', (fields) => [...fields, fields.find((f) => f.tag === T.TAG_KEYID)!]],
    [
      'a 6-byte TAG_ASSERTION_INFO',
      (fields) =>
        fields.map((f) => (f.tag === T.TAG_ASSERTION_INFO ? leaf(f.tag, f.value.subarray(0, 6)) : f)),
    ],
    [
      'AuthenticationMode 0x02',
      (fields) =>
        fields.map((f) =>
          f.tag === T.TAG_ASSERTION_INFO ? leaf(f.tag, Buffer.from([1, 0, 2, 1, 0, 0, 1])) : f,
        ),
    ],
    ['a 31-byte KeyID', replaceField(T.TAG_KEYID, Buffer.alloc(31, 1))],
    ['an AAID that is not "VVVV#MMMM"', replaceField(T.TAG_AAID, Buffer.from('FFFF-0001'))],
    ['a 4-byte TAG_COUNTERS', replaceField(T.TAG_COUNTERS, Buffer.alloc(4))],
    [
      'a public key that is not a P-256 point',
      replaceField(T.TAG_PUB_KEY, Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)])),
    ],
    ['a public key of 64 bytes', replaceField(T.TAG_PUB_KEY, Buffer.alloc(64, 1))],
  ])('refuses %s (MALFORMED_ASSERTION)', (_, editKrd) => {
    expect(refusal({ editKrd })).toBe('MALFORMED_ASSERTION');
  });

  it.each<[string, RegisterOptions['editAssertion']]>([
    ['no attestation', (children) => [children[0]!]],
    ['two attestations', (children) => [...children, children[1]!]],
    ['no KRD', (children) => [children[1]!]],
    [
      'a surrogate attestation with a certificate',
      (children) => [
        children[0]!,
        composite(T.TAG_ATTESTATION_BASIC_SURROGATE, [
          ...children[1]!.children!,
          leaf(T.TAG_ATTESTATION_CERT, Buffer.from([0x30, 0])),
        ]),
      ],
    ],
    [
      'a full attestation without certificate',
      (children) => [children[0]!, composite(T.TAG_ATTESTATION_BASIC_FULL, children[1]!.children!)],
    ],
    [
      'an empty signature',
      (children) => [
        children[0]!,
        composite(T.TAG_ATTESTATION_BASIC_SURROGATE, [leaf(T.TAG_SIGNATURE, Buffer.alloc(0))]),
      ],
    ],
  ])('refuses %s (MALFORMED_ASSERTION)', (_, editAssertion) => {
    expect(refusal({ editAssertion })).toBe('MALFORMED_ASSERTION');
  });

  it('refuses an authentication assertion in a registration response (MALFORMED_ASSERTION)', () => {
    const { requestText, expected } = registrationCeremony();
    const answer = testRegister(requestText, { facetID: FACET_ANDROID });
    const asAuth = Buffer.from(answer.assertion);
    asAuth.writeUInt16LE(T.TAG_UAFV1_AUTH_ASSERTION, 0);
    const text = answer.responseText.replace(
      answer.assertion.toString('base64url'),
      asAuth.toString('base64url'),
    );
    expect(uafErrorCode(() => verifyRegistrationResponse(text, expected))).toBe('MALFORMED_ASSERTION');
  });

  it('refuses a truncated assertion (MALFORMED_TLV)', () => {
    const { requestText, expected } = registrationCeremony();
    const answer = testRegister(requestText, { facetID: FACET_ANDROID });
    const cut = answer.assertion.subarray(0, answer.assertion.length - 1).toString('base64url');
    expect(
      uafErrorCode(() =>
        verifyRegistrationResponse(
          answer.responseText.replace(answer.assertion.toString('base64url'), cut),
          expected,
        ),
      ),
    ).toBe('MALFORMED_TLV');
  });

  it('refuses TAG_ATTESTATION_ECDAA (UNSUPPORTED_ATTESTATION)', () => {
    const ecdaa = (children: Tlv[]) => [
      children[0]!,
      composite(T.TAG_ATTESTATION_ECDAA, children[1]!.children!),
    ];
    expect(refusal({ editAssertion: ecdaa })).toBe('UNSUPPORTED_ATTESTATION');
  });

  it('refuses SM2 and unknown algorithms, and key encodings that do not fit the algorithm (UNSUPPORTED_ALGORITHM)', () => {
    const info = (signAlgorithm: number, keyEncoding: number) =>
      replaceField(
        T.TAG_ASSERTION_INFO,
        Buffer.from([
          1,
          0,
          1,
          signAlgorithm & 0xff,
          signAlgorithm >> 8,
          keyEncoding & 0xff,
          keyEncoding >> 8,
        ]),
      );
    expect(refusal({ editKrd: info(A.ALG_SIGN_SM2_SM3_RAW, K.ALG_KEY_ECC_X962_RAW) })).toBe(
      'UNSUPPORTED_ALGORITHM',
    );
    expect(refusal({ editKrd: info(0x00ff, K.ALG_KEY_ECC_X962_RAW) })).toBe('UNSUPPORTED_ALGORITHM');
    expect(refusal({ editKrd: info(A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW, 0x0104) })).toBe(
      'UNSUPPORTED_ALGORITHM',
    );
    expect(refusal({ editKrd: info(A.ALG_SIGN_RSASSA_PSS_SHA256_RAW, K.ALG_KEY_ECC_X962_RAW) })).toBe(
      'UNSUPPORTED_ALGORITHM',
    );
    expect(
      refusal({
        signAlgorithm: A.ALG_SIGN_SECP256R1_ECDSA_SHA256_DER,
        publicKeyEncoding: K.ALG_KEY_ECC_X962_DER,
        editKrd: info(A.ALG_SIGN_SECP256K1_ECDSA_SHA256_DER, K.ALG_KEY_ECC_X962_DER),
      }),
    ).toBe('UNSUPPORTED_ALGORITHM');
  });

  it('refuses an RSA key of 1024 bits (UNSUPPORTED_ALGORITHM)', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const edit = replaceField(T.TAG_PUB_KEY, small.publicKey.export({ type: 'pkcs1', format: 'der' }));
    expect(
      refusal({
        signAlgorithm: A.ALG_SIGN_RSA_EMSA_PKCS1_SHA256_DER,
        publicKeyEncoding: K.ALG_KEY_RSA_2048_DER,
        editKrd: edit,
      }),
    ).toBe('UNSUPPORTED_ALGORITHM');
  });

  it('refuses a signature in the other encoding than the algorithm says (SIGNATURE_INVALID)', () => {
    const derSigned = {
      type: 'BASIC_SURROGATE' as const,
      signAlgorithm: A.ALG_SIGN_SECP256R1_ECDSA_SHA256_DER,
    };
    expect(refusal({ signAlgorithm: A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW, attestation: derSigned })).toBe(
      'SIGNATURE_INVALID',
    );
    const rawSigned = { type: 'BASIC_SURROGATE' as const, signAlgorithm: A.ALG_SIGN_RSASSA_PSS_SHA256_RAW };
    expect(refusal({ signAlgorithm: A.ALG_SIGN_RSASSA_PSS_SHA256_DER, attestation: rawSigned })).toBe(
      'SIGNATURE_INVALID',
    );
  });
});

describe('verifyRegistrationResponse: the message and fcParams (UAF Protocol §3.4.6.5)', () => {
  it('accepts a web facet reported with a trailing slash or the default port', () => {
    expect(register({ facetID: 'https://LOGIN.example.com:443/' }).verify().facetID).toBe(
      'https://LOGIN.example.com:443/',
    );
    expect(register({ facetID: FACET_WEB }).verify().facetID).toBe(FACET_WEB);
  });

  it.each<[string, Partial<RegisterOptions>, string]>([
    ['a facet not in the list', { facetID: 'android:apk-key-hash:other' }, 'FACET_NOT_TRUSTED'],
    ['a web facet with a path', { facetID: `${FACET_WEB}/path` }, 'FACET_NOT_TRUSTED'],
    ['a web facet on another port', { facetID: `${FACET_WEB}:8443` }, 'FACET_NOT_TRUSTED'],
    [
      'another challenge',
      { editFinalChallengeParams: (p) => ({ ...p, challenge: 'AAAAAAAAAAA' }) },
      'CHALLENGE_MISMATCH',
    ],
    [
      'another appID in fcParams',
      { editFinalChallengeParams: (p) => ({ ...p, appID: 'https://evil.example.com/facets' }) },
      'APPID_MISMATCH',
    ],
    [
      'another appID in the header',
      {
        editResponse: (r) => ({
          ...r,
          header: { ...(r['header'] as object), appID: 'https://evil.example.com' },
        }),
      },
      'APPID_MISMATCH',
    ],
    [
      'another serverData',
      { editResponse: (r) => ({ ...r, header: { ...(r['header'] as object), serverData: 'forged' } }) },
      'SERVER_DATA_MISMATCH',
    ],
    [
      'no serverData',
      { editResponse: (r) => ({ ...r, header: { upv: { major: 1, minor: 1 }, op: 'Reg' } }) },
      'SERVER_DATA_MISMATCH',
    ],
    [
      'upv 1.0',
      {
        editResponse: (r) => ({ ...r, header: { ...(r['header'] as object), upv: { major: 1, minor: 0 } } }),
      },
      'UNSUPPORTED_VERSION',
    ],
    [
      'op "Auth"',
      { editResponse: (r) => ({ ...r, header: { ...(r['header'] as object), op: 'Auth' } }) },
      'WRONG_OPERATION',
    ],
    [
      'a fail_if_unknown header extension',
      {
        editResponse: (r) => ({
          ...r,
          header: { ...(r['header'] as object), exts: [{ id: 'x', data: '', fail_if_unknown: true }] },
        }),
      },
      'UNKNOWN_CRITICAL_EXTENSION',
    ],
    [
      'a fail_if_unknown assertion extension',
      {
        editResponse: (r) => ({
          ...r,
          assertions: (r['assertions'] as object[]).map((a) => ({
            ...a,
            exts: [{ id: 'x', data: '', fail_if_unknown: true }],
          })),
        }),
      },
      'UNKNOWN_CRITICAL_EXTENSION',
    ],
    [
      'another assertion scheme',
      {
        editResponse: (r) => ({
          ...r,
          assertions: (r['assertions'] as object[]).map((a) => ({ ...a, assertionScheme: 'WAV1CBOR' })),
        }),
      },
      'UNSUPPORTED_ASSERTION_SCHEME',
    ],
    ['no assertions', { editResponse: (r) => ({ ...r, assertions: [] }) }, 'MALFORMED_MESSAGE'],
    [
      'nine assertions',
      { editResponse: (r) => ({ ...r, assertions: Array(9).fill((r['assertions'] as object[])[0]) }) },
      'MALFORMED_MESSAGE',
    ],
    [
      'the same key twice',
      { editResponse: (r) => ({ ...r, assertions: Array(2).fill((r['assertions'] as object[])[0]) }) },
      'MALFORMED_MESSAGE',
    ],
    [
      'a padded assertion',
      {
        editResponse: (r) => ({
          ...r,
          assertions: (r['assertions'] as { assertion: string }[]).map((a) => ({
            ...a,
            assertion: `${a.assertion}=`,
          })),
        }),
      },
      'MALFORMED_MESSAGE',
    ],
    [
      'fcParams that are not base64url JSON',
      { editResponse: (r) => ({ ...r, fcParams: Buffer.from('{"appID"').toString('base64url') }) },
      'MALFORMED_MESSAGE',
    ],
    [
      'fcParams without channelBinding',
      { editFinalChallengeParams: ({ channelBinding: _, ...p }) => p },
      'MALFORMED_MESSAGE',
    ],
  ])('refuses %s', (_, options, code) => {
    expect(refusal(options)).toBe(code);
  });

  it('refuses an authenticator the request policy does not accept (POLICY_NOT_SATISFIED)', () => {
    const onlyDer = {
      accepted: [
        [
          {
            authenticationAlgorithms: [A.ALG_SIGN_SECP256R1_ECDSA_SHA256_DER],
            assertionSchemes: ['UAFV1TLV'],
          },
        ],
      ],
    };
    expect(
      refusal({ signAlgorithm: A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW }, () => ({ policy: onlyDer })),
    ).toBe('POLICY_NOT_SATISFIED');
    expect(
      register({ signAlgorithm: A.ALG_SIGN_SECP256R1_ECDSA_SHA256_DER }, () => ({ policy: onlyDer })).verify()
        .registrations,
    ).toHaveLength(1);
  });

  it('ignores extensions that may be ignored and picks the 1.1 dictionary among versions', () => {
    const safetynet = [{ id: 'fido.uaf.safetynet', data: 'p', fail_if_unknown: false }];
    const { requestText, expected } = registrationCeremony();
    const answer = testRegister(requestText, {
      facetID: FACET_ANDROID,
      editResponse: (r) => ({ ...r, header: { ...(r['header'] as object), exts: safetynet } }),
    });
    const [entry] = JSON.parse(answer.responseText);
    const withOldVersion = JSON.stringify([
      { ...entry, header: { ...entry.header, upv: { major: 1, minor: 0 } } },
      entry,
    ]);
    expect(verifyRegistrationResponse(withOldVersion, expected).registrations).toHaveLength(1);
    expect(uafErrorCode(() => verifyRegistrationResponse(JSON.stringify([entry, entry]), expected))).toBe(
      'MALFORMED_MESSAGE',
    );
  });

  it('with an empty appID in the request, expects the facetID as fcParams.appID', () => {
    const { requestText, expected } = registrationCeremony();
    const noAppId = JSON.stringify(
      JSON.parse(requestText).map((r: { header: object }) => ({
        ...r,
        header: { ...r.header, appID: undefined },
      })),
    );
    const answer = testRegister(noAppId, { facetID: FACET_WEB });
    expect(verifyRegistrationResponse(answer.responseText, { ...expected, appID: '' }).facetID).toBe(
      FACET_WEB,
    );
    const other = testRegister(noAppId, {
      facetID: FACET_WEB,
      editFinalChallengeParams: (p) => ({ ...p, appID: APP_ID }),
    });
    expect(
      uafErrorCode(() => verifyRegistrationResponse(other.responseText, { ...expected, appID: '' })),
    ).toBe('APPID_MISMATCH');
  });

  it.each([
    ['not JSON', '[{'],
    ['not an array', '{}'],
    ['an empty array', '[]'],
    [
      'larger than 64 KiB',
      JSON.stringify([{ header: { upv: { major: 1, minor: 1 }, op: 'Reg' }, pad: 'x'.repeat(65_536) }]),
    ],
  ])('refuses a response text that is %s (MALFORMED_MESSAGE)', (_, text) => {
    expect(uafErrorCode(() => verifyRegistrationResponse(text, registrationCeremony().expected))).toBe(
      'MALFORMED_MESSAGE',
    );
  });
});
