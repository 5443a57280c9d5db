import {
  UAF_ALG,
  UAF_KEY,
  UAF_TAGS,
  signCounterAccepted,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from './index';
import { type RegisteredKey } from './authentication-response';
import { type Tlv } from './tlv';
import {
  FACET_ANDROID,
  authenticationCeremony,
  registrationCeremony,
  uafErrorCode,
} from './testing/uaf-spec-ceremonies';
import {
  type AuthenticateOptions,
  leaf,
  testAuthenticate,
  testRegister,
  type TestRegistration,
} from './testing/uaf-test-authenticator';

const T = UAF_TAGS;
const A = UAF_ALG;

/** A key registered through verifyRegistrationResponse, and what the service would store of it. */
const registered = (
  signAlgorithm: number = A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW,
  publicKeyEncoding?: number,
) => {
  const { requestText, expected } = registrationCeremony();
  const answer = testRegister(requestText, {
    facetID: FACET_ANDROID,
    signAlgorithm,
    ...(publicKeyEncoding ? { publicKeyEncoding } : {}),
  });
  const [record] = verifyRegistrationResponse(answer.responseText, expected).registrations;
  return { authenticator: answer.registration, record: record! };
};

const keyStore =
  (record: ReturnType<typeof registered>['record'], stored: Partial<RegisteredKey> = {}) =>
  (aaid: string, keyID: string): RegisteredKey | undefined =>
    aaid === record.aaid && keyID === record.keyID
      ? { publicKey: record.publicKey, signAlgorithm: record.signAlgorithm, ...stored }
      : undefined;

const authenticate = (
  authenticator: TestRegistration,
  keyOf: ReturnType<typeof keyStore>,
  options: Partial<AuthenticateOptions> = {},
  transaction?: { contentType: 'text/plain'; content: string }[],
) => {
  const { requestText, expected } = authenticationCeremony(transaction);
  const answer = testAuthenticate(requestText, authenticator, { facetID: FACET_ANDROID, ...options });
  return () => verifyAuthenticationResponse(answer.responseText, { ...expected, keyOf });
};

const replaceField = (tag: number, value: Buffer) => (fields: Tlv[]) =>
  fields.map((f) => (f.tag === tag ? leaf(tag, value) : f));
const TEXT = Buffer.from('Pay 100 EUR to ACME?').toString('base64url');

describe('verifyAuthenticationResponse', () => {
  it.each([
    A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW,
    A.ALG_SIGN_SECP256R1_ECDSA_SHA256_DER,
    A.ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW,
    A.ALG_SIGN_SECP256K1_ECDSA_SHA256_DER,
    A.ALG_SIGN_RSASSA_PSS_SHA256_RAW,
    A.ALG_SIGN_RSASSA_PSS_SHA256_DER,
    A.ALG_SIGN_RSA_EMSA_PKCS1_SHA256_RAW,
    A.ALG_SIGN_RSA_EMSA_PKCS1_SHA256_DER,
  ])('verifies a signature of algorithm %i with the key registered', (signAlgorithm) => {
    const { authenticator, record } = registered(signAlgorithm);
    const { facetID, assertions } = authenticate(authenticator, keyStore(record, { signCounter: 4 }), {
      signCounter: 5,
    })();
    expect(facetID).toBe(FACET_ANDROID);
    expect(assertions).toEqual([
      {
        aaid: record.aaid,
        keyID: record.keyID,
        signCounter: 5,
        authenticationMode: 1,
        transactionConfirmed: false,
        authenticatorVersion: 1,
      },
    ]);
  });

  it('verifies with a key registered in the X9.62 DER encoding', () => {
    const { authenticator, record } = registered(
      A.ALG_SIGN_SECP256R1_ECDSA_SHA256_DER,
      UAF_KEY.ALG_KEY_ECC_X962_DER,
    );
    expect(authenticate(authenticator, keyStore(record))().assertions).toHaveLength(1);
  });

  it('refuses a key keyOf does not know, or knows under another AAID (UNKNOWN_KEY)', () => {
    const { authenticator, record } = registered();
    expect(uafErrorCode(authenticate(authenticator, () => undefined))).toBe('UNKNOWN_KEY');
    expect(uafErrorCode(authenticate({ ...authenticator, aaid: 'FFFF#0009' }, keyStore(record)))).toBe(
      'UNKNOWN_KEY',
    );
  });

  it('refuses a signature algorithm other than the one registered (ALGORITHM_MISMATCH)', () => {
    const { authenticator, record } = registered(A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW);
    expect(
      uafErrorCode(
        authenticate(authenticator, keyStore(record), {
          signAlgorithm: A.ALG_SIGN_SECP256R1_ECDSA_SHA256_DER,
        }),
      ),
    ).toBe('ALGORITHM_MISMATCH');
  });

  it('refuses a signature by another key, or over changed data (SIGNATURE_INVALID)', () => {
    const { authenticator, record } = registered();
    const other = registered().authenticator;
    expect(
      uafErrorCode(
        authenticate({ ...other, aaid: authenticator.aaid, keyID: authenticator.keyID }, keyStore(record)),
      ),
    ).toBe('SIGNATURE_INVALID');
    const tamper = (children: Tlv[]) => {
      const value = Buffer.from(children[0]!.value);
      value[value.indexOf(Buffer.from([0x0d, 0x2e, 0x04, 0x00])) + 4]! ^= 0x40; // the sign counter
      return [leaf(T.TAG_UAFV1_SIGNED_DATA, value), children[1]!];
    };
    expect(uafErrorCode(authenticate(authenticator, keyStore(record), { editAssertion: tamper }))).toBe(
      'SIGNATURE_INVALID',
    );
  });

  it('refuses a SignedData whose final challenge hash is not SHA-256(fcParams) (FINAL_CHALLENGE_MISMATCH)', () => {
    const { authenticator, record } = registered();
    const editSignedData = replaceField(T.TAG_FINAL_CHALLENGE_HASH, Buffer.alloc(32));
    expect(uafErrorCode(authenticate(authenticator, keyStore(record), { editSignedData }))).toBe(
      'FINAL_CHALLENGE_MISMATCH',
    );
  });

  it('refuses fcParams of another challenge, facet or appID, and another serverData', () => {
    const { authenticator, record } = registered();
    const keyOf = keyStore(record);
    expect(
      uafErrorCode(
        authenticate(authenticator, keyOf, {
          editFinalChallengeParams: (p) => ({ ...p, challenge: 'AAAAAAAAAAA' }),
        }),
      ),
    ).toBe('CHALLENGE_MISMATCH');
    expect(uafErrorCode(authenticate(authenticator, keyOf, { facetID: 'ios:bundle-id:com.evil' }))).toBe(
      'FACET_NOT_TRUSTED',
    );
    expect(
      uafErrorCode(
        authenticate(authenticator, keyOf, { editFinalChallengeParams: (p) => ({ ...p, appID: 'x' }) }),
      ),
    ).toBe('APPID_MISMATCH');
    const forged = (r: Record<string, unknown>) => ({
      ...r,
      header: { ...(r['header'] as object), serverData: 'forged' },
    });
    expect(uafErrorCode(authenticate(authenticator, keyOf, { editResponse: forged }))).toBe(
      'SERVER_DATA_MISMATCH',
    );
    const registration = (r: Record<string, unknown>) => ({
      ...r,
      header: { ...(r['header'] as object), op: 'Reg' },
    });
    expect(uafErrorCode(authenticate(authenticator, keyOf, { editResponse: registration }))).toBe(
      'WRONG_OPERATION',
    );
  });

  it('refuses a registration assertion, or a KRD where the SignedData belongs', () => {
    const { authenticator, record } = registered();
    const { assertion } = testRegister(registrationCeremony().requestText, { facetID: FACET_ANDROID });
    const swap = (r: Record<string, unknown>) => ({
      ...r,
      assertions: [{ assertionScheme: 'UAFV1TLV', assertion: assertion.toString('base64url') }],
    });
    expect(uafErrorCode(authenticate(authenticator, keyStore(record), { editResponse: swap }))).toBe(
      'MALFORMED_ASSERTION',
    );
    const krdInside = (children: Tlv[]) => [
      { tag: T.TAG_UAFV1_KRD, value: children[0]!.value },
      children[1]!,
    ];
    expect(uafErrorCode(authenticate(authenticator, keyStore(record), { editAssertion: krdInside }))).toBe(
      'UNKNOWN_CRITICAL_EXTENSION',
    );
  });

  it.each<[string, AuthenticateOptions['editSignedData']]>([
    ['a 7-byte authenticator nonce', replaceField(T.TAG_AUTHENTICATOR_NONCE, Buffer.alloc(7))],
    [
      'no TAG_TRANSACTION_CONTENT_HASH',
      (fields) => fields.filter((f) => f.tag !== T.TAG_TRANSACTION_CONTENT_HASH),
    ],
    [
      'a transaction hash with AuthenticationMode 0x01',
      replaceField(T.TAG_TRANSACTION_CONTENT_HASH, Buffer.alloc(32)),
    ],
    ['AuthenticationMode 0x03', replaceField(T.TAG_ASSERTION_INFO, Buffer.from([1, 0, 3, 1, 0]))],
    ['a 5-byte sign counter', replaceField(T.TAG_COUNTERS, Buffer.alloc(5))],
  ])('refuses %s (MALFORMED_ASSERTION)', (_, editSignedData) => {
    const { authenticator, record } = registered();
    expect(uafErrorCode(authenticate(authenticator, keyStore(record), { editSignedData }))).toBe(
      'MALFORMED_ASSERTION',
    );
  });

  it('refuses a critical extension in the SignedData (UNKNOWN_CRITICAL_EXTENSION) and skips a non-critical one', () => {
    const { authenticator, record } = registered();
    const extension = (tag: number) => (fields: Tlv[]) => [
      ...fields,
      { tag, value: Buffer.alloc(0), children: [leaf(T.TAG_EXTENSION_ID, Buffer.from('x'))] },
    ];
    expect(
      uafErrorCode(
        authenticate(authenticator, keyStore(record), { editSignedData: extension(T.TAG_EXTENSION) }),
      ),
    ).toBe('UNKNOWN_CRITICAL_EXTENSION');
    expect(
      authenticate(authenticator, keyStore(record), {
        editSignedData: extension(T.TAG_EXTENSION_NON_CRITICAL),
      })().assertions,
    ).toHaveLength(1);
  });
});

describe('verifyAuthenticationResponse: transaction confirmation (UAF Protocol §3.5.7.5)', () => {
  const transaction = [{ contentType: 'text/plain' as const, content: TEXT }];

  it('confirms the text sent: AuthenticationMode 0x02 with the SHA-256 of the decoded content', () => {
    const { authenticator, record } = registered();
    const [assertion] = authenticate(authenticator, keyStore(record), {}, transaction)().assertions;
    expect(assertion).toMatchObject({ authenticationMode: 2, transactionConfirmed: true });
  });

  it('matches any of the transaction forms sent', () => {
    const { authenticator, record } = registered();
    const forms = [
      { contentType: 'text/plain' as const, content: Buffer.from('Pay 100 EUR').toString('base64url') },
      ...transaction,
    ];
    const { requestText, expected } = authenticationCeremony(forms);
    const answer = testAuthenticate(requestText, authenticator, {
      facetID: FACET_ANDROID,
      transactionText: Buffer.from('Pay 100 EUR to ACME?'),
    });
    expect(
      verifyAuthenticationResponse(answer.responseText, { ...expected, keyOf: keyStore(record) })
        .assertions[0]!.transactionConfirmed,
    ).toBe(true);
  });

  it.each<[string, Partial<AuthenticateOptions>, boolean]>([
    ['a transaction sent but only authenticated (0x01)', { authenticationMode: 1 }, true],
    ['another text confirmed', { transactionText: Buffer.from('Pay 9999 EUR to EVIL?') }, true],
    ['the hash of the base64url text instead of its bytes', { transactionText: Buffer.from(TEXT) }, true],
    [
      'a confirmation when no transaction was sent',
      { authenticationMode: 2, transactionText: Buffer.from('Pay') },
      false,
    ],
  ])('refuses %s (TRANSACTION_MISMATCH)', (_, options, send) => {
    const { authenticator, record } = registered();
    expect(
      uafErrorCode(authenticate(authenticator, keyStore(record), options, send ? transaction : undefined)),
    ).toBe('TRANSACTION_MISMATCH');
  });
});

describe('sign counters (UAF Protocol §3.5.7.5, §4.3.11)', () => {
  it.each([
    [0, 0, true],
    [0, 1, true],
    [5, 6, true],
    [5, 5, false],
    [5, 4, false],
    [5, 0, false],
    [0xfffffffe, 0xffffffff, true],
  ])('stored %i, presented %i: accepted %s', (stored, presented, accepted) => {
    expect(signCounterAccepted(stored, presented)).toBe(accepted);
  });

  it('refuses an assertion whose counter did not increase when keyOf gives the stored one (SIGN_COUNTER_NOT_INCREASED)', () => {
    const { authenticator, record } = registered();
    expect(
      uafErrorCode(authenticate(authenticator, keyStore(record, { signCounter: 7 }), { signCounter: 7 })),
    ).toBe('SIGN_COUNTER_NOT_INCREASED');
    expect(
      authenticate(authenticator, keyStore(record, { signCounter: 0 }), { signCounter: 0 })().assertions[0]!
        .signCounter,
    ).toBe(0);
  });
});
