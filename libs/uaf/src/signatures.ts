/**
 * UAF public keys and signatures over node:crypto (FIDO Registry of Predefined Values §3.6):
 * ECDSA on secp256r1 and secp256k1 with SHA-256 (RAW r|s or DER), RSASSA-PSS and EMSA-PKCS1-v1_5
 * with SHA-256 (RAW or a DER OCTET STRING), and the four key encodings. SM2 (optional) is not verified.
 */
import { type KeyObject, constants, createPublicKey, verify } from 'node:crypto';
import { DER, readWholeDer } from './der';
import { UAF_ALG, UAF_KEY } from './uaf-constants';
import { UafError } from './uaf-error';

type Curve = { jwk: 'P-256' | 'secp256k1'; node: 'prime256v1' | 'secp256k1' };
const P256: Curve = { jwk: 'P-256', node: 'prime256v1' };
const SECP256K1: Curve = { jwk: 'secp256k1', node: 'secp256k1' };

type SignatureScheme =
  | { family: 'ec'; curve: Curve; encoding: 'raw' | 'der' }
  | { family: 'rsa'; padding: 'pss' | 'pkcs1'; encoding: 'raw' | 'der' };

const SIGNATURE_SCHEMES: ReadonlyMap<number, SignatureScheme> = new Map<number, SignatureScheme>([
  [UAF_ALG.ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW, { family: 'ec', curve: P256, encoding: 'raw' }],
  [UAF_ALG.ALG_SIGN_SECP256R1_ECDSA_SHA256_DER, { family: 'ec', curve: P256, encoding: 'der' }],
  [UAF_ALG.ALG_SIGN_RSASSA_PSS_SHA256_RAW, { family: 'rsa', padding: 'pss', encoding: 'raw' }],
  [UAF_ALG.ALG_SIGN_RSASSA_PSS_SHA256_DER, { family: 'rsa', padding: 'pss', encoding: 'der' }],
  [UAF_ALG.ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW, { family: 'ec', curve: SECP256K1, encoding: 'raw' }],
  [UAF_ALG.ALG_SIGN_SECP256K1_ECDSA_SHA256_DER, { family: 'ec', curve: SECP256K1, encoding: 'der' }],
  [UAF_ALG.ALG_SIGN_RSA_EMSA_PKCS1_SHA256_RAW, { family: 'rsa', padding: 'pkcs1', encoding: 'raw' }],
  [UAF_ALG.ALG_SIGN_RSA_EMSA_PKCS1_SHA256_DER, { family: 'rsa', padding: 'pkcs1', encoding: 'der' }],
]);

const KEY_FAMILIES: ReadonlyMap<number, 'ec' | 'rsa'> = new Map([
  [UAF_KEY.ALG_KEY_ECC_X962_RAW, 'ec'],
  [UAF_KEY.ALG_KEY_ECC_X962_DER, 'ec'],
  [UAF_KEY.ALG_KEY_RSA_2048_RAW, 'rsa'],
  [UAF_KEY.ALG_KEY_RSA_2048_DER, 'rsa'],
]);

const hex16 = (value: number) => `0x${value.toString(16).padStart(4, '0')}`;
const RSA_2048_BYTES = 256;
const EC_RAW_POINT_BYTES = 65;
const EC_RAW_SIGNATURE_BYTES = 64;

const schemeOf = (algorithm: number): SignatureScheme => {
  const scheme = SIGNATURE_SCHEMES.get(algorithm);
  if (!scheme)
    throw new UafError('UNSUPPORTED_ALGORITHM', `signature algorithm ${hex16(algorithm)} is not supported`);
  return scheme;
};

/** Whether this server verifies signatures of `algorithm` (an ALG_SIGN_* value). */
export const isSupportedSignatureAlgorithm = (algorithm: number): boolean => SIGNATURE_SCHEMES.has(algorithm);

/**
 * Checks that `key` can carry signatures of `algorithm`: an EC key on the algorithm's curve, or an
 * RSA key of exactly 2048 bits (`minimumRsaBits` for attestation certificates, which may be longer).
 */
export const assertKeyFitsAlgorithm = (key: KeyObject, algorithm: number, minimumRsaBits?: number): void => {
  const scheme = schemeOf(algorithm);
  const details = key.asymmetricKeyDetails ?? {};
  const fits =
    scheme.family === 'ec'
      ? key.asymmetricKeyType === 'ec' && details.namedCurve === scheme.curve.node
      : key.asymmetricKeyType === 'rsa' &&
        (minimumRsaBits === undefined
          ? details.modulusLength === RSA_2048_BYTES * 8
          : (details.modulusLength ?? 0) >= minimumRsaBits);
  if (!fits) {
    throw new UafError(
      'UNSUPPORTED_ALGORITHM',
      `the key does not fit signature algorithm ${hex16(algorithm)}`,
    );
  }
};

const invalidKey = (why: string) => new UafError('MALFORMED_ASSERTION', `TAG_PUB_KEY: ${why}`);

const createOrUndefined = (create: () => KeyObject): KeyObject | undefined => {
  try {
    return create();
  } catch {
    return undefined;
  }
};

const ecKeyFromRawPoint = (point: Buffer, curve: Curve): KeyObject => {
  if (point.length !== EC_RAW_POINT_BYTES || point[0] !== 0x04) {
    throw invalidKey('ALG_KEY_ECC_X962_RAW must be 0x04 | X (32 bytes) | Y (32 bytes)');
  }
  const x = point.subarray(1, 33).toString('base64url');
  const y = point.subarray(33).toString('base64url');
  const key = createOrUndefined(() =>
    createPublicKey({ key: { kty: 'EC', crv: curve.jwk, x, y }, format: 'jwk' }),
  );
  if (!key) throw invalidKey(`not a point on ${curve.jwk}`);
  return key;
};

const rsaKeyFromRaw = (bytes: Buffer): KeyObject => {
  const n = bytes.subarray(0, RSA_2048_BYTES);
  const e = bytes.subarray(RSA_2048_BYTES);
  if (n.length !== RSA_2048_BYTES || e.length === 0 || e.length > 8) {
    throw invalidKey('ALG_KEY_RSA_2048_RAW must be n (256 bytes) | e');
  }
  const jwk = { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') };
  const key = createOrUndefined(() => createPublicKey({ key: jwk, format: 'jwk' }));
  if (!key) throw invalidKey('not an RSA public key');
  return key;
};

/**
 * The UAuth.pub of a KRD as a KeyObject. ALG_KEY_RSA_2048_DER is the PKCS#1 RSAPublicKey of the
 * registry; a SubjectPublicKeyInfo is accepted too, as deployed authenticators send one.
 */
export const publicKeyFromUaf = (encoding: number, bytes: Buffer, signatureAlgorithm: number): KeyObject => {
  const scheme = schemeOf(signatureAlgorithm);
  const family = KEY_FAMILIES.get(encoding);
  if (!family)
    throw new UafError('UNSUPPORTED_ALGORITHM', `public key encoding ${hex16(encoding)} is not supported`);
  if (family !== scheme.family) {
    throw new UafError(
      'UNSUPPORTED_ALGORITHM',
      `public key encoding ${hex16(encoding)} does not fit signature algorithm ${hex16(signatureAlgorithm)}`,
    );
  }
  const spki = () => createPublicKey({ key: bytes, format: 'der', type: 'spki' });
  let key: KeyObject | undefined;
  if (encoding === UAF_KEY.ALG_KEY_ECC_X962_RAW && scheme.family === 'ec')
    key = ecKeyFromRawPoint(bytes, scheme.curve);
  else if (encoding === UAF_KEY.ALG_KEY_RSA_2048_RAW) key = rsaKeyFromRaw(bytes);
  else if (encoding === UAF_KEY.ALG_KEY_RSA_2048_DER) {
    key =
      createOrUndefined(() => createPublicKey({ key: bytes, format: 'der', type: 'pkcs1' })) ??
      createOrUndefined(spki);
  } else key = createOrUndefined(spki);
  if (!key) throw invalidKey(`not a DER public key of encoding ${hex16(encoding)}`);
  assertKeyFitsAlgorithm(key, signatureAlgorithm);
  return key;
};

/** The bytes node:crypto verifies, or undefined when the signature is not of its encoding's form. */
const signatureBytes = (scheme: SignatureScheme, signature: Buffer): Buffer | undefined => {
  if (scheme.family === 'ec') {
    return scheme.encoding === 'der' || signature.length === EC_RAW_SIGNATURE_BYTES ? signature : undefined;
  }
  return scheme.encoding === 'raw' ? signature : readWholeDer(signature, DER.OCTET_STRING);
};

/** Whether `signature` over `data` verifies with `key` under `algorithm` (SHA-256 in every supported one). */
export const verifyUafSignature = (
  algorithm: number,
  key: KeyObject,
  data: Buffer,
  signature: Buffer,
): boolean => {
  const scheme = schemeOf(algorithm);
  const bytes = signatureBytes(scheme, signature);
  if (!bytes) return false;
  const options =
    scheme.family === 'ec'
      ? { key, dsaEncoding: scheme.encoding === 'raw' ? ('ieee-p1363' as const) : ('der' as const) }
      : scheme.padding === 'pss'
        ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
        : { key, padding: constants.RSA_PKCS1_PADDING };
  try {
    return verify('sha256', data, options, bytes);
  } catch {
    return false; // OpenSSL refuses some malformed signatures by throwing rather than answering false
  }
};
