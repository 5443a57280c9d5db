/**
 * A software UAF client and authenticator for the specs of this library: it answers request texts
 * built by uaf-requests.ts with response texts as the UAF Protocol (§3.4.6.4, §3.5.7.4) and the
 * Authenticator Commands (§5.2) describe, and lets a spec change any part before or after signing.
 * Spec support only: never imported by the library.
 */
import { type KeyObject, constants, createHash, generateKeyPairSync, sign } from 'node:crypto';
import { type Tlv, encodeTlv } from '../tlv';
import { UAF_ALG, UAF_KEY, UAF_TAGS } from '../uaf-constants';
import { derOctetString } from './test-certificates';

const T = UAF_TAGS;
const A = UAF_ALG;

export interface TestKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const RSA_ALGORITHMS: number[] = [
  A.ALG_SIGN_RSASSA_PSS_SHA256_RAW,
  A.ALG_SIGN_RSASSA_PSS_SHA256_DER,
  A.ALG_SIGN_RSA_EMSA_PKCS1_SHA256_RAW,
  A.ALG_SIGN_RSA_EMSA_PKCS1_SHA256_DER,
];
const SECP256K1_ALGORITHMS: number[] = [
  A.ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW,
  A.ALG_SIGN_SECP256K1_ECDSA_SHA256_DER,
];
const RAW_ALGORITHMS: number[] = [
  A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW,
  A.ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW,
  A.ALG_SIGN_RSASSA_PSS_SHA256_RAW,
  A.ALG_SIGN_RSA_EMSA_PKCS1_SHA256_RAW,
];

export const isRsaAlgorithm = (algorithm: number) => RSA_ALGORITHMS.includes(algorithm);

/** A fresh UAuth key pair for `algorithm`. */
export const newTestKeyPair = (algorithm: number): TestKeyPair =>
  isRsaAlgorithm(algorithm)
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', {
        namedCurve: SECP256K1_ALGORITHMS.includes(algorithm) ? 'secp256k1' : 'P-256',
      });

/** UAuth.pub in the ALG_KEY_* `encoding` (FIDO Registry §3.6.2). */
export const encodeTestPublicKey = (encoding: number, publicKey: KeyObject): Buffer => {
  const jwk = publicKey.export({ format: 'jwk' });
  const b64 = (value: string | undefined) => Buffer.from(value ?? '', 'base64url');
  switch (encoding) {
    case UAF_KEY.ALG_KEY_ECC_X962_RAW:
      return Buffer.concat([Buffer.from([0x04]), b64(jwk.x), b64(jwk.y)]);
    case UAF_KEY.ALG_KEY_RSA_2048_RAW:
      return Buffer.concat([b64(jwk.n), b64(jwk.e)]);
    case UAF_KEY.ALG_KEY_RSA_2048_DER:
      return publicKey.export({ type: 'pkcs1', format: 'der' });
    default:
      return publicKey.export({ type: 'spki', format: 'der' });
  }
};

/** A signature of `algorithm` over `data` in the algorithm's encoding (FIDO Registry §3.6.1). */
export const testSign = (algorithm: number, privateKey: KeyObject, data: Buffer): Buffer => {
  const raw = RAW_ALGORITHMS.includes(algorithm);
  if (!isRsaAlgorithm(algorithm))
    return sign('sha256', data, { key: privateKey, dsaEncoding: raw ? 'ieee-p1363' : 'der' });
  const pss =
    algorithm === A.ALG_SIGN_RSASSA_PSS_SHA256_RAW || algorithm === A.ALG_SIGN_RSASSA_PSS_SHA256_DER;
  const signature = sign(
    'sha256',
    data,
    pss ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : privateKey,
  );
  return raw ? signature : derOctetString(signature);
};

export const leaf = (tag: number, value: Buffer): Tlv => ({ tag, value });
export const composite = (tag: number, children: Tlv[]): Tlv => ({ tag, value: Buffer.alloc(0), children });
const uint16 = (value: number) => Buffer.from([value & 0xff, value >> 8]);
const uint32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
};
export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/** The request dictionary (first entry) of a request message text. */
const requestOf = (requestText: string) => {
  const [request] = JSON.parse(requestText) as {
    header: { appID?: string; serverData?: string };
    challenge: string;
    transaction?: { content: string }[];
  }[];
  return request!;
};

/** fcParams as a client builds it (§3.4.6.2): base64url of the FinalChallengeParams JSON. */
export const testFcParams = (params: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(params), 'utf8').toString('base64url');

interface ResponseEdits {
  facetID: string;
  /** Changes FinalChallengeParams before it is encoded. */
  editFinalChallengeParams?: (params: Record<string, unknown>) => Record<string, unknown>;
  /** Changes the response dictionary before it is serialized (after signing). */
  editResponse?: (response: Record<string, unknown>) => Record<string, unknown>;
}

const fcParamsFor = (request: ReturnType<typeof requestOf>, edits: ResponseEdits) => {
  const params = {
    appID: request.header.appID || edits.facetID,
    challenge: request.challenge,
    channelBinding: {},
    facetID: edits.facetID,
  };
  return testFcParams(edits.editFinalChallengeParams?.(params) ?? params);
};

const responseText = (
  request: ReturnType<typeof requestOf>,
  fcParams: string,
  assertions: Buffer[],
  edits: ResponseEdits,
): string => {
  const response: Record<string, unknown> = {
    header: { ...request.header },
    fcParams,
    assertions: assertions.map((assertion) => ({
      assertionScheme: 'UAFV1TLV',
      assertion: assertion.toString('base64url'),
    })),
  };
  return JSON.stringify([edits.editResponse?.(response) ?? response]);
};

export type TestAttestation =
  | { type: 'BASIC_SURROGATE'; signAlgorithm?: number }
  | { type: 'BASIC_FULL'; certificates: Buffer[]; attestationKey: KeyObject; signAlgorithm?: number };

export interface TestRegistration {
  aaid: string;
  signAlgorithm: number;
  publicKeyEncoding: number;
  keyPair: TestKeyPair;
  keyID: Buffer;
}

export interface RegisterOptions extends ResponseEdits {
  aaid?: string;
  signAlgorithm?: number;
  publicKeyEncoding?: number;
  /** The bytes of TAG_PUB_KEY, when not the registry's encoding of `publicKeyEncoding`. */
  publicKeyBytes?: (publicKey: KeyObject) => Buffer;
  attestation?: TestAttestation;
  authenticatorVersion?: number;
  signCounter?: number;
  regCounter?: number;
  /** Changes the KRD fields before the attestation signs them. */
  editKrd?: (fields: Tlv[]) => Tlv[];
  /** Changes the TAG_UAFV1_REG_ASSERTION children after signing. */
  editAssertion?: (children: Tlv[]) => Tlv[];
}

/** Answers a RegistrationRequest text: returns the RegistrationResponse text and the new key. */
export const testRegister = (requestText: string, options: RegisterOptions) => {
  const request = requestOf(requestText);
  const signAlgorithm = options.signAlgorithm ?? A.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW;
  const publicKeyEncoding =
    options.publicKeyEncoding ??
    (isRsaAlgorithm(signAlgorithm) ? UAF_KEY.ALG_KEY_RSA_2048_RAW : UAF_KEY.ALG_KEY_ECC_X962_RAW);
  const registration: TestRegistration = {
    aaid: options.aaid ?? 'FFFF#0001',
    signAlgorithm,
    publicKeyEncoding,
    keyPair: newTestKeyPair(signAlgorithm),
    keyID: sha256(`key ${Math.random()}`),
  };
  const fcParams = fcParamsFor(request, options);
  const info = Buffer.concat([
    uint16(options.authenticatorVersion ?? 1),
    Buffer.from([0x01]),
    uint16(signAlgorithm),
    uint16(publicKeyEncoding),
  ]);
  const fields = [
    leaf(T.TAG_AAID, Buffer.from(registration.aaid)),
    leaf(T.TAG_ASSERTION_INFO, info),
    leaf(T.TAG_FINAL_CHALLENGE_HASH, sha256(fcParams)),
    leaf(T.TAG_KEYID, registration.keyID),
    leaf(T.TAG_COUNTERS, Buffer.concat([uint32(options.signCounter ?? 0), uint32(options.regCounter ?? 1)])),
    leaf(
      T.TAG_PUB_KEY,
      options.publicKeyBytes?.(registration.keyPair.publicKey) ??
        encodeTestPublicKey(publicKeyEncoding, registration.keyPair.publicKey),
    ),
  ];
  const krd = encodeTlv(T.TAG_UAFV1_KRD, options.editKrd?.(fields) ?? fields);
  const krdTlv = leaf(T.TAG_UAFV1_KRD, krd.subarray(4));
  const attestation = options.attestation ?? { type: 'BASIC_SURROGATE' };
  const attestationTlv =
    attestation.type === 'BASIC_SURROGATE'
      ? composite(T.TAG_ATTESTATION_BASIC_SURROGATE, [
          leaf(
            T.TAG_SIGNATURE,
            testSign(attestation.signAlgorithm ?? signAlgorithm, registration.keyPair.privateKey, krd),
          ),
        ])
      : composite(T.TAG_ATTESTATION_BASIC_FULL, [
          leaf(
            T.TAG_SIGNATURE,
            testSign(attestation.signAlgorithm ?? signAlgorithm, attestation.attestationKey, krd),
          ),
          ...attestation.certificates.map((certificate) => leaf(T.TAG_ATTESTATION_CERT, certificate)),
        ]);
  const children = [krdTlv, attestationTlv];
  const assertion = encodeTlv(T.TAG_UAFV1_REG_ASSERTION, options.editAssertion?.(children) ?? children);
  return { responseText: responseText(request, fcParams, [assertion], options), registration, assertion };
};

export interface AuthenticateOptions extends ResponseEdits {
  signCounter?: number;
  /** 0x01, or 0x02 with the hash of the first transaction sent (or of `transactionText`). */
  authenticationMode?: number;
  transactionText?: Buffer;
  signAlgorithm?: number;
  /** Changes the SignedData fields before signing. */
  editSignedData?: (fields: Tlv[]) => Tlv[];
  /** Changes the TAG_UAFV1_AUTH_ASSERTION children after signing. */
  editAssertion?: (children: Tlv[]) => Tlv[];
}

/** Answers an AuthenticationRequest text with the key of `registration`. */
export const testAuthenticate = (
  requestText: string,
  registration: TestRegistration,
  options: AuthenticateOptions,
) => {
  const request = requestOf(requestText);
  const fcParams = fcParamsFor(request, options);
  const signAlgorithm = options.signAlgorithm ?? registration.signAlgorithm;
  const sentText = request.transaction?.[0] && Buffer.from(request.transaction[0].content, 'base64url');
  const mode = options.authenticationMode ?? (sentText ? 0x02 : 0x01);
  const transactionText = options.transactionText ?? sentText;
  const fields = [
    leaf(T.TAG_AAID, Buffer.from(registration.aaid)),
    leaf(T.TAG_ASSERTION_INFO, Buffer.concat([uint16(1), Buffer.from([mode]), uint16(signAlgorithm)])),
    leaf(T.TAG_AUTHENTICATOR_NONCE, sha256(`nonce ${Math.random()}`)),
    leaf(T.TAG_FINAL_CHALLENGE_HASH, sha256(fcParams)),
    leaf(
      T.TAG_TRANSACTION_CONTENT_HASH,
      mode === 0x02 && transactionText ? sha256(transactionText) : Buffer.alloc(0),
    ),
    leaf(T.TAG_KEYID, registration.keyID),
    leaf(T.TAG_COUNTERS, uint32(options.signCounter ?? 1)),
  ];
  const signedData = encodeTlv(T.TAG_UAFV1_SIGNED_DATA, options.editSignedData?.(fields) ?? fields);
  const children = [
    leaf(T.TAG_UAFV1_SIGNED_DATA, signedData.subarray(4)),
    leaf(T.TAG_SIGNATURE, testSign(signAlgorithm, registration.keyPair.privateKey, signedData)),
  ];
  const assertion = encodeTlv(T.TAG_UAFV1_AUTH_ASSERTION, options.editAssertion?.(children) ?? children);
  return { responseText: responseText(request, fcParams, [assertion], options), assertion };
};
