/**
 * Every example message of the UAF 1.1 specifications that a server reads or writes.
 */
import {
  AUTHENTICATION_REQUEST_EXAMPLE_10,
  AUTHENTICATION_RESPONSE_EXAMPLE_11,
  DEREGISTRATION_REQUEST_EXAMPLE_12,
  REGISTRATION_REQUEST_EXAMPLE_8,
  REGISTRATION_RESPONSE_EXAMPLE_9,
  specMessage,
} from './testing/uaf-spec-examples';
import {
  UAF_ALG,
  UAF_KEY,
  UAF_TAGS,
  authenticationRequestSchema,
  decodeTlv,
  deregistrationRequestSchema,
  encodeTlv,
  policySchema,
  registrationRequestSchema,
  trustedFacetsDocument,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from './index';
import { extensionSchema, uafMessageSchema } from './uaf-messages';
import { pemOf } from './testing/test-certificates';
import { uafErrorCode } from './testing/uaf-spec-ceremonies';

const parsed = (printed: string) => JSON.parse(specMessage(printed));
const example8 = parsed(REGISTRATION_REQUEST_EXAMPLE_8)[0];
const example10 = parsed(AUTHENTICATION_REQUEST_EXAMPLE_10)[0];
const FACET = 'com.noknok.android.sampleapp';
/** A time within the validity of Example 9's attestation certificate. */
const IN_2015 = new Date('2015-06-01T00:00:00Z');

const registrationExpectation = {
  appID: example8.header.appID,
  serverData: example8.header.serverData,
  challenge: example8.challenge,
  facetIds: [FACET],
  now: IN_2015,
};

describe('UAF Protocol §3.2.1, Examples 1 to 7: policies', () => {
  it.each([
    ['1, any', '{"accepted":[[{"userVerification":1023}]]}'],
    [
      '2',
      '{"accepted":[[{"userVerification":2,"authenticationAlgorithms":[1,2,5,6],"assertionSchemes":["UAFV1TLV"]}],[{"userVerification":16,"authenticationAlgorithms":[1,2,5,6],"assertionSchemes":["UAFV1TLV"]}]]}',
    ],
    [
      '3',
      '{"accepted":[[{"userVerification":18,"authenticationAlgorithms":[1,2,5,6],"assertionSchemes":["UAFV1TLV"]}]]}',
    ],
    [
      '4',
      '{"accepted":[[{"userVerification":1042,"authenticationAlgorithms":[1,2,5,6],"assertionSchemes":["UAFV1TLV"]}]]}',
    ],
    [
      '5',
      '{"accepted":[[{"userVerification":2,"authenticationAlgorithms":[1,2,5,6],"assertionSchemes":["UAFV1TLV"]},{"userVerification":16,"authenticationAlgorithms":[1,2,5,6],"assertionSchemes":["UAFV1TLV"]}]]}',
    ],
    [
      '6',
      '{"accepted":[[{"userVerification":2,"attachmentHint":1,"authenticationAlgorithms":[1,2,5,6],"assertionSchemes":["UAFV1TLV"]},{"userVerification":16,"attachmentHint":1,"authenticationAlgorithms":[1,2,5,6],"assertionSchemes":["UAFV1TLV"]}]]}',
    ],
  ])('Example %s is a valid Policy', (_, text) => {
    expect(policySchema.safeParse(JSON.parse(text)).success).toBe(true);
  });

  it('Example 7 gives vendorID as a string where the IDL says DOMString[]: refused as printed, accepted as an array', () => {
    const printed = {
      accepted: [
        [{ vendorID: '1234', authenticationAlgorithms: [1, 2, 5, 6], assertionSchemes: ['UAFV1TLV'] }],
      ],
    };
    expect(policySchema.safeParse(printed).success).toBe(false);
    const asArray = { accepted: [[{ ...printed.accepted[0]![0]!, vendorID: ['1234'] }]] };
    expect(policySchema.safeParse(asArray).success).toBe(true);
  });
});

describe('UAF Protocol §3.4.1, Example 8: RegistrationRequest', () => {
  it('is a valid RegistrationRequest message', () => {
    const message = uafMessageSchema(registrationRequestSchema).parse(parsed(REGISTRATION_REQUEST_EXAMPLE_8));
    expect(message[0]!.header).toEqual({
      upv: { major: 1, minor: 1 },
      op: 'Reg',
      appID: example8.header.appID,
      serverData: example8.header.serverData,
    });
    expect(message[0]!.policy.accepted).toHaveLength(7);
    expect(message[0]!.policy.disallowed?.[2]).toEqual({
      aaid: ['ABCD#ABCD'],
      keyIDs: ['RfY_RDhsf4z5PCOhnZExMeVloZZmK0hxaSi10tkY_c4'],
    });
  });
});

describe('UAF Protocol §3.4.4, Example 9: RegistrationResponse, verified end to end', () => {
  const response = specMessage(REGISTRATION_RESPONSE_EXAMPLE_9);

  it('registers the key of ABCD#ABCD with its full basic attestation', () => {
    const { facetID, registrations } = verifyRegistrationResponse(response, {
      ...registrationExpectation,
      policy: example8.policy,
    });
    expect(facetID).toBe(FACET);
    expect(registrations).toHaveLength(1);
    expect(registrations[0]).toMatchObject({
      aaid: 'ABCD#ABCD',
      keyID: 'ZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNg',
      signAlgorithm: UAF_ALG.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW,
      publicKeyEncoding: UAF_KEY.ALG_KEY_ECC_X962_RAW,
      signCounter: 1,
      regCounter: 1,
      authenticatorVersion: 0x0100,
      authenticationMode: 1,
      attestationType: 'BASIC_FULL',
      attestationTrusted: false,
      attestationCertificate: { issuer: expect.stringContaining('CN=NNL\\,Inc CA'), serialNumber: '01' },
    });
  });

  it('is trusted when its attestation certificate is the trust anchor', () => {
    const [assertion] = JSON.parse(response)[0].assertions;
    const tlv = decodeTlv(Buffer.from(assertion.assertion, 'base64url'))[0]!;
    const certificate = tlv.children![1]!.children!.find(
      (child) => child.tag === UAF_TAGS.TAG_ATTESTATION_CERT,
    )!.value;
    const { registrations } = verifyRegistrationResponse(response, {
      ...registrationExpectation,
      trustAnchors: [pemOf(certificate)],
    });
    expect(registrations[0]!.attestationTrusted).toBe(true);
  });

  it('is refused once its attestation certificate expired (2017-05-24)', () => {
    expect(
      uafErrorCode(() =>
        verifyRegistrationResponse(response, { ...registrationExpectation, now: new Date('2018-01-01') }),
      ),
    ).toBe('ATTESTATION_INVALID');
  });

  it('is refused by a policy that disallows its key', () => {
    const policy = {
      ...example8.policy,
      disallowed: [{ aaid: ['abcd#abcd'], keyIDs: ['ZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNg'] }],
    };
    expect(
      uafErrorCode(() => verifyRegistrationResponse(response, { ...registrationExpectation, policy })),
    ).toBe('POLICY_NOT_SATISFIED');
  });

  it('holds the TLV structure of Authenticator Commands §5.2.1, which re-encodes to the same bytes', () => {
    const bytes = Buffer.from(JSON.parse(response)[0].assertions[0].assertion, 'base64url');
    const [assertion] = decodeTlv(bytes);
    expect(assertion!.tag).toBe(UAF_TAGS.TAG_UAFV1_REG_ASSERTION);
    expect(assertion!.children!.map((child) => child.tag)).toEqual([
      UAF_TAGS.TAG_UAFV1_KRD,
      UAF_TAGS.TAG_ATTESTATION_BASIC_FULL,
    ]);
    expect(assertion!.children![0]!.children!.map((child) => child.tag)).toEqual([
      UAF_TAGS.TAG_AAID,
      UAF_TAGS.TAG_ASSERTION_INFO,
      UAF_TAGS.TAG_FINAL_CHALLENGE_HASH,
      UAF_TAGS.TAG_KEYID,
      UAF_TAGS.TAG_COUNTERS,
      UAF_TAGS.TAG_PUB_KEY,
    ]);
    expect(encodeTlv(assertion!.tag, assertion!.children!)).toEqual(bytes);
  });
});

describe('UAF Protocol §3.5.2, Example 10: AuthenticationRequest', () => {
  it('is a valid AuthenticationRequest message', () => {
    const message = uafMessageSchema(authenticationRequestSchema).parse(
      parsed(AUTHENTICATION_REQUEST_EXAMPLE_10),
    );
    expect(message[0]!.header.op).toBe('Auth');
    expect(message[0]!.challenge).toBe('HQ1VkTUQC1NJDOo6OOWdxewrb9i5WthjfKIehFxpeuU');
  });
});

describe('UAF Protocol §3.5.6, Example 11: AuthenticationResponse, verified with the key of Example 9', () => {
  const { registrations } = verifyRegistrationResponse(
    specMessage(REGISTRATION_RESPONSE_EXAMPLE_9),
    registrationExpectation,
  );
  const registered = registrations[0]!;
  const expectation = {
    appID: example10.header.appID,
    serverData: example10.header.serverData,
    challenge: example10.challenge,
    facetIds: [FACET],
    keyOf: (aaid: string, keyID: string) =>
      aaid === registered.aaid && keyID === registered.keyID
        ? {
            publicKey: registered.publicKey,
            signAlgorithm: registered.signAlgorithm,
            signCounter: registered.signCounter,
          }
        : undefined,
  };

  it('authenticates ABCD#ABCD with sign counter 2', () => {
    const { facetID, assertions } = verifyAuthenticationResponse(
      specMessage(AUTHENTICATION_RESPONSE_EXAMPLE_11),
      expectation,
    );
    expect(facetID).toBe(FACET);
    expect(assertions).toEqual([
      {
        aaid: 'ABCD#ABCD',
        keyID: registered.keyID,
        signCounter: 2,
        authenticationMode: 1,
        transactionConfirmed: false,
        authenticatorVersion: 0x0100,
      },
    ]);
  });

  it('is refused as a replay once counter 2 is stored', () => {
    const replay = {
      ...expectation,
      keyOf: (aaid: string, keyID: string) => ({ ...expectation.keyOf(aaid, keyID)!, signCounter: 2 }),
    };
    expect(
      uafErrorCode(() =>
        verifyAuthenticationResponse(specMessage(AUTHENTICATION_RESPONSE_EXAMPLE_11), replay),
      ),
    ).toBe('SIGN_COUNTER_NOT_INCREASED');
  });

  it('is refused for another challenge (the one of Example 8)', () => {
    expect(
      uafErrorCode(() =>
        verifyAuthenticationResponse(specMessage(AUTHENTICATION_RESPONSE_EXAMPLE_11), {
          ...expectation,
          challenge: example8.challenge,
        }),
      ),
    ).toBe('CHALLENGE_MISMATCH');
  });
});

describe('UAF Protocol §3.6.1, Example 12: DeregistrationRequest (a 1.0 and a 1.1 dictionary)', () => {
  it('is a valid DeregistrationRequest message; the 1.1 one deregisters every key of ABCD#ABCD', () => {
    const message = uafMessageSchema(deregistrationRequestSchema).parse(
      parsed(DEREGISTRATION_REQUEST_EXAMPLE_12),
    );
    expect(message.map((entry) => entry.header.upv)).toEqual([
      { major: 1, minor: 0 },
      { major: 1, minor: 1 },
    ]);
    expect(message[1]!.authenticators).toEqual([{ aaid: 'ABCD#ABCD', keyID: '' }]);
  });
});

describe('UAF Registry §4.1: the TLV examples of the UVI and UVS extensions', () => {
  it.each([
    [
      'UVI',
      UAF_TAGS.TAG_USER_VERIFICATION_INDEX,
      '04 01 20 00 43 B8 E3 BE 27 95 8C 28 D5 74 BF 46 8A 85 CF 46 9A 14 F0 E5 16 69 31 DA 4B CF FF C1 BB 11 32 82',
    ],
    [
      'UVS',
      UAF_TAGS.TAG_USER_VERIFICATION_STATE,
      '06 01 20 00 18 C3 47 81 73 2B 65 83 E7 43 31 46 8A 85 CF 93 6C 36 F0 AF 16 69 14 DA 4B 1D 43 FE C7 43 24 45',
    ],
  ])('%s decodes to a 32-byte value of its tag and encodes back', (_, tag, hex) => {
    const bytes = Buffer.from(hex.replace(/ /g, ''), 'hex');
    const [item, ...rest] = decodeTlv(bytes);
    expect(rest).toEqual([]);
    expect(item!.tag).toBe(tag);
    expect(item!.value).toHaveLength(32);
    expect(encodeTlv(item!.tag, item!.value)).toEqual(bytes);
  });
});

describe('UAF Registry §5: the extension examples', () => {
  it.each([
    '{"id": "fido.uaf.safetynet", "data": "", "fail_if_unknown": false}',
    '{"id": "fido.uaf.safetynet", "data": "p", "fail_if_unknown": false}',
    '{"id": "fido.uaf.safetynet", "data": "a", "fail_if_unknown": false}',
    '{"id": "fido.uaf.android.key_attestation", "data": "", "fail_if_unknown": false}',
  ])('%s is a valid Extension', (text) => {
    expect(extensionSchema.parse(JSON.parse(text))).toEqual(JSON.parse(text));
  });
});

describe('AppID and Facet §3.1.4, Example 2: TrustedFacets', () => {
  const printed = `{
    "trustedFacets" : [{
      "version": { "major": 1, "minor" : 0 },
      "ids": [
         "https://register.example.com", // VALID, shares "example.com" label
         "https://fido.example.com",     // VALID, shares "example.com" label
         "http://www.example.com",       // DISCARD, scheme is not https:
         "http://www.example-test.com",  // DISCARD, "example-test.com" does not match
         "https://www.example.com:444"   // VALID, port is not significant
      ]
    }]
  }`;
  const example = JSON.parse(printed.replace(/\/\/ .*$/gm, ''));

  it('is the shape trustedFacetsDocument writes, for version 1.1', () => {
    const valid = ['https://register.example.com', 'https://fido.example.com', 'https://www.example.com:444'];
    expect(trustedFacetsDocument(valid)).toEqual({
      trustedFacets: [{ ...example.trustedFacets[0], version: { major: 1, minor: 1 }, ids: valid }],
    });
  });

  it('refuses the entries the example discards for their http scheme', () => {
    expect(() => trustedFacetsDocument(example.trustedFacets[0].ids)).toThrow(
      /http:\/\/www.example.com, http:\/\/www.example-test.com/,
    );
  });
});
