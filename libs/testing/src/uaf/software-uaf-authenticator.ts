import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createTestUafCa, type IssuedUafAttestation, type TestUafCa } from './test-uaf-ca';
import { tlv, uint16, uint32, uint8, UafAlgorithm, UafTag } from './uaf-tlv';

/**
 * A software FIDO UAF 1.1 authenticator for tests, its ASM included (a bound authenticator that
 * keeps its keys itself): a P-256 key per registration, and the UAFV1TLV assertions of "UAF
 * Authenticator Commands v1.1" (TAG_UAFV1_REG_ASSERTION, TAG_UAFV1_AUTH_ASSERTION), laid out as
 * the spec's tables and example messages have them (uaf-spec-examples.ts). Like the
 * WebAuthn SoftwareAuthenticator it does what its caller asks; refusing what a server's policy does
 * not allow is the client's job (SoftwareUafClient).
 */

/** UAF Registry v1.1 flags this authenticator reports (used by the client's policy matching). */
export const UafUserVerification = {
  PRESENCE: 0x1,
  FINGERPRINT: 0x2,
  PASSCODE: 0x4,
  VOICEPRINT: 0x8,
  FACEPRINT: 0x10,
  NONE: 0x200,
  ALL: 0x400,
} as const;
export const UafKeyProtection = {
  SOFTWARE: 0x1,
  HARDWARE: 0x2,
  TEE: 0x4,
  SECURE_ELEMENT: 0x8,
  REMOTE_HANDLE: 0x10,
} as const;
const MATCHER_PROTECTION_SOFTWARE = 0x1;
const ATTACHMENT_HINT_INTERNAL = 0x1;
const TRANSACTION_CONFIRMATION_DISPLAY_ANY = 0x1;
const TRANSACTION_CONFIRMATION_DISPLAY_PRIVILEGED_SOFTWARE = 0x2;

/** AuthenticationMode of TAG_ASSERTION_INFO (Authenticator Commands v1.1, TAG_UAFV1_AUTH_ASSERTION). */
const MODE_USER_VERIFIED = 0x01;
const MODE_TRANSACTION_CONFIRMED = 0x02;

export interface UafAuthenticatorOptions {
  /** 'VVVV#MMMM', 4 hex digits each (UAF Protocol v1.1, "Authenticator Attestation ID (AAID)"). Default 'FFFF#5A01'. */
  aaid?: string;
  /** Default 'BASIC_SURROGATE' (the KRD signed by the new key itself). */
  attestation?: 'BASIC_SURROGATE' | 'BASIC_FULL';
  /** ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW (0x0001) or _DER (0x0002). Default 'RAW'. */
  signatureEncoding?: 'RAW' | 'DER';
  /** ALG_KEY_ECC_X962_RAW (0x0100) or _DER (0x0101). Default 'RAW'. */
  keyEncoding?: 'RAW' | 'DER';
  /** Issuer of the Basic Full attestation certificate; default a fresh CA (see `attestationCa`). */
  attestationCa?: TestUafCa;
  /** AuthenticatorVersion in TAG_ASSERTION_INFO. Default 1. */
  authenticatorVersion?: number;
  /** USER_VERIFY_* flags. Default FINGERPRINT | PASSCODE: matches policies asking for either. */
  userVerification?: number;
  /** KEY_PROTECTION_* flags. Default SOFTWARE. */
  keyProtection?: number;
  /** False: SignCounter and RegCounter are always 0, as for an authenticator without counters. Default true. */
  counters?: boolean;
}

/** What a FIDO UAF client knows of an authenticator (its metadata) to match a server's policy. */
export interface UafAuthenticatorCharacteristics {
  aaid: string;
  authenticatorVersion: number;
  userVerification: number;
  keyProtection: number;
  matcherProtection: number;
  attachmentHint: number;
  tcDisplay: number;
  tcDisplayContentType: string;
  authenticationAlgorithm: number;
  publicKeyAlgAndEncoding: number;
  assertionScheme: 'UAFV1TLV';
  attestationType: number;
}

interface Registration {
  appID: string;
  privateKey: KeyObject;
  signCounter: number;
}

const AAID_PATTERN = /^[0-9A-Fa-f]{4}#[0-9A-Fa-f]{4}$/;

const rawPublicKey = (publicKey: KeyObject): Buffer => {
  const { x, y } = publicKey.export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.from([0x04]),
    Buffer.from(x as string, 'base64url'),
    Buffer.from(y as string, 'base64url'),
  ]);
};

export class SoftwareUafAuthenticator {
  readonly aaid: string;
  readonly characteristics: UafAuthenticatorCharacteristics;
  /** The CA of the Basic Full attestation certificate (its `rootPem` is what a server trusts). */
  readonly attestationCa: TestUafCa | undefined;
  private readonly attestation: IssuedUafAttestation | undefined;
  private readonly counters: boolean;
  private readonly registrations = new Map<string, Registration>();
  /** One global RegCounter (Authenticator Commands v1.1, Security Guidelines "RegCounter"). */
  private regCounter = 0;

  constructor(options: UafAuthenticatorOptions = {}) {
    this.aaid = options.aaid ?? 'FFFF#5A01';
    if (!AAID_PATTERN.test(this.aaid)) throw new Error(`AAID must be 'XXXX#XXXX' (hex), got "${this.aaid}"`);
    const full = options.attestation === 'BASIC_FULL';
    this.attestationCa = full ? (options.attestationCa ?? createTestUafCa()) : undefined;
    this.attestation = this.attestationCa?.issue(this.aaid);
    this.counters = options.counters ?? true;
    this.characteristics = {
      aaid: this.aaid,
      authenticatorVersion: options.authenticatorVersion ?? 1,
      userVerification:
        options.userVerification ?? UafUserVerification.FINGERPRINT | UafUserVerification.PASSCODE,
      keyProtection: options.keyProtection ?? UafKeyProtection.SOFTWARE,
      matcherProtection: MATCHER_PROTECTION_SOFTWARE,
      attachmentHint: ATTACHMENT_HINT_INTERNAL,
      tcDisplay: TRANSACTION_CONFIRMATION_DISPLAY_ANY | TRANSACTION_CONFIRMATION_DISPLAY_PRIVILEGED_SOFTWARE,
      tcDisplayContentType: 'text/plain',
      authenticationAlgorithm:
        options.signatureEncoding === 'DER'
          ? UafAlgorithm.SIGN_SECP256R1_ECDSA_SHA256_DER
          : UafAlgorithm.SIGN_SECP256R1_ECDSA_SHA256_RAW,
      publicKeyAlgAndEncoding:
        options.keyEncoding === 'DER' ? UafAlgorithm.KEY_ECC_X962_DER : UafAlgorithm.KEY_ECC_X962_RAW,
      assertionScheme: 'UAFV1TLV',
      attestationType: full ? UafTag.ATTESTATION_BASIC_FULL : UafTag.ATTESTATION_BASIC_SURROGATE,
    };
  }

  /**
   * The Register command: a new key for `appID` and its TAG_UAFV1_REG_ASSERTION (Authenticator
   * Commands v1.1, "Register Command" and "TAG_UAFV1_REG_ASSERTION"). `finalChallengeHash` is what
   * the client computed from fcParams.
   */
  register(command: { appID: string; finalChallengeHash: Buffer }): { keyID: string; assertion: Buffer } {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // KeyID: random, at most 32 bytes, unique per AAID ("Register Command"); on the wire base64url.
    const keyID = randomBytes(32);
    if (this.counters) this.regCounter += 1;
    const keyRegistrationData = tlv(
      UafTag.UAFV1_KRD,
      // AuthenticationMode "MUST be 0x01 for registration"; the KRD's info adds PublicKeyAlgAndEncoding.
      ...this.aaidAndAssertionInfo(MODE_USER_VERIFIED, uint16(this.characteristics.publicKeyAlgAndEncoding)),
      tlv(UafTag.FINAL_CHALLENGE_HASH, command.finalChallengeHash),
      tlv(UafTag.KEYID, keyID),
      // SignCounter of the new key (0), then the authenticator's RegCounter.
      tlv(UafTag.COUNTERS, uint32(0), uint32(this.regCounter)),
      tlv(
        UafTag.PUB_KEY,
        this.characteristics.publicKeyAlgAndEncoding === UafAlgorithm.KEY_ECC_X962_DER
          ? publicKey.export({ type: 'spki', format: 'der' })
          : rawPublicKey(publicKey),
      ),
    );
    // The signature covers the whole TAG_UAFV1_KRD item, tag and length included. Basic Surrogate:
    // signed by the new key; Basic Full: by the attestation key, its certificates leaf first.
    const attestation = this.attestation
      ? tlv(
          UafTag.ATTESTATION_BASIC_FULL,
          tlv(UafTag.SIGNATURE, this.signature(this.attestation.privateKey, keyRegistrationData)),
          ...this.attestation.chainDer.map((certificate) => tlv(UafTag.ATTESTATION_CERT, certificate)),
        )
      : tlv(
          UafTag.ATTESTATION_BASIC_SURROGATE,
          tlv(UafTag.SIGNATURE, this.signature(privateKey, keyRegistrationData)),
        );
    const id = keyID.toString('base64url');
    this.registrations.set(id, { appID: command.appID, privateKey, signCounter: 0 });
    return { keyID: id, assertion: tlv(UafTag.UAFV1_REG_ASSERTION, keyRegistrationData, attestation) };
  }

  /**
   * The Sign command: TAG_UAFV1_AUTH_ASSERTION with the key `keyID` of `appID` (Authenticator
   * Commands v1.1, "Sign Command" and "TAG_UAFV1_AUTH_ASSERTION"). With `transactionContent`
   * (the decoded Transaction.content the user confirmed) AuthenticationMode is 0x02 and
   * TAG_TRANSACTION_CONTENT_HASH = SHA-256(transactionContent); without it the mode is 0x01 and
   * that item is empty.
   */
  sign(command: {
    appID: string;
    keyID: string;
    finalChallengeHash: Buffer;
    transactionContent?: Buffer;
  }): Buffer {
    const registration = this.registrations.get(command.keyID);
    if (!registration || registration.appID !== command.appID)
      throw new Error(`UAF_CMD_STATUS_ACCESS_DENIED: no key ${command.keyID} for ${command.appID}`);
    if (this.counters) registration.signCounter += 1;
    const transaction = command.transactionContent;
    const signedData = tlv(
      UafTag.UAFV1_SIGNED_DATA,
      ...this.aaidAndAssertionInfo(transaction ? MODE_TRANSACTION_CONFIRMED : MODE_USER_VERIFIED),
      tlv(UafTag.AUTHENTICATOR_NONCE, randomBytes(16)), // "at least 8 bytes"
      tlv(UafTag.FINAL_CHALLENGE_HASH, command.finalChallengeHash),
      tlv(
        UafTag.TRANSACTION_CONTENT_HASH,
        transaction ? createHash('sha256').update(transaction).digest() : Buffer.alloc(0),
      ),
      tlv(UafTag.KEYID, Buffer.from(command.keyID, 'base64url')),
      tlv(UafTag.COUNTERS, uint32(registration.signCounter)),
    );
    // Signed with UAuth.priv over the whole TAG_UAFV1_SIGNED_DATA item, tag and length included.
    return tlv(
      UafTag.UAFV1_AUTH_ASSERTION,
      signedData,
      tlv(UafTag.SIGNATURE, this.signature(registration.privateKey, signedData)),
    );
  }

  /** The Deregister command: forgets `keyID` of `appID`, or every key of `appID` when `keyID` is ''. */
  deregister(appID: string, keyID: string): void {
    for (const [id, registration] of this.registrations)
      if (registration.appID === appID && (keyID === '' || id === keyID)) this.registrations.delete(id);
  }

  /** base64url keyIDs this authenticator holds, of one appID or of all. */
  keyIDs(appID?: string): string[] {
    return [...this.registrations]
      .filter(([, registration]) => appID === undefined || registration.appID === appID)
      .map(([id]) => id);
  }

  /** Sets the SignCounter the key holds: its next assertion carries `value + 1` (e.g. to replay an old count). */
  setSignCounter(keyID: string, value: number): void {
    const registration = this.registrations.get(keyID);
    if (!registration) throw new Error(`No key ${keyID}`);
    if (!Number.isInteger(value) || value < 0 || value >= 0xffffffff)
      throw new Error(`SignCounter must be a UINT32 below 0xffffffff, got ${value}`);
    registration.signCounter = value;
  }

  /** Forgets a key without the server knowing (a reinstalled app, a wiped device). */
  forget(keyID: string): void {
    this.registrations.delete(keyID);
  }

  /**
   * TAG_AAID (the 9 bytes of 'VVVV#MMMM') and TAG_ASSERTION_INFO (UINT16 AuthenticatorVersion,
   * UINT8 AuthenticationMode, UINT16 SignatureAlgAndEncoding, then `rest`), with which both the
   * KRD and SignedData begin.
   */
  private aaidAndAssertionInfo(authenticationMode: number, ...rest: Buffer[]): Buffer[] {
    return [
      tlv(UafTag.AAID, Buffer.from(this.aaid, 'utf8')),
      tlv(
        UafTag.ASSERTION_INFO,
        uint16(this.characteristics.authenticatorVersion),
        uint8(authenticationMode),
        uint16(this.characteristics.authenticationAlgorithm),
        ...rest,
      ),
    ];
  }

  private signature(key: KeyObject, data: Buffer): Buffer {
    const raw = this.characteristics.authenticationAlgorithm === UafAlgorithm.SIGN_SECP256R1_ECDSA_SHA256_RAW;
    return sign('sha256', data, { key, dsaEncoding: raw ? 'ieee-p1363' : 'der' });
  }
}
