import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorAttachment,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software WebAuthn authenticator plus the browser around it, for tests: it turns the options
 * a relying party sends (PublicKeyCredentialCreationOptionsJSON / ...RequestOptionsJSON) into the
 * WebAuthn L3 JSON a browser would post back. ES256 keys (and RSA keys, RS256 or the deprecated
 * RS1, when a test asks for them), attestation "none" or "packed" self attestation. It honours what
 * the caller asks for, not what the options require (e.g. it answers without UV even when the
 * options say `userVerification: 'required'`), so tests can produce the responses a relying party
 * must reject.
 */

const ES256 = -7;
const RS256 = -257;
/** RSASSA-PKCS1-v1_5 with SHA-1 (COSE -65535): deprecated, for tests of relying parties refusing it. */
const RS1 = -65535;
export type SoftwareKeyAlgorithm = typeof ES256 | typeof RS256 | typeof RS1;
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/** Authenticator data flag bits (WebAuthn L3 §6.1). */
const FLAG = {
  userPresent: 0x01,
  userVerified: 0x04,
  backupEligible: 0x08,
  backedUp: 0x10,
  attestedCredentialData: 0x40,
};

export interface SoftwareAuthenticatorOptions {
  /** AAGUID written into attested credential data (default all zeros, as "none" attestation usually has). */
  aaguid?: string;
}

/** What both ceremonies let a test set: the client data and the signature. */
interface CeremonyKnobs {
  /** The origin the "browser" puts into clientDataJSON (a wrong one must be rejected). */
  origin: string;
  /** Challenge to sign instead of the one in the options (e.g. to replay an old challenge). */
  challenge?: string;
  /** RP ID to hash into authenticator data instead of the options' one (a wrong one must be rejected). */
  rpId?: string;
  /** Default true. */
  userPresent?: boolean;
  /** Default true: a platform authenticator with biometrics. */
  userVerified?: boolean;
  /** Flip a byte of the signature: the assertion's, or the packed attestation's ("none" has none). */
  tamperSignature?: boolean;
}

export interface CreateCredentialKnobs extends CeremonyKnobs {
  /** Default 'none'. 'packed' is self attestation: signed with the credential key itself (alg -7). */
  attestation?: 'none' | 'packed';
  /** BE flag: the credential may be synced (a "multi-device" passkey). Default false. */
  backupEligible?: boolean;
  /** BS flag: the credential is currently backed up. Default false. */
  backedUp?: boolean;
  /** Default ['internal']. */
  transports?: AuthenticatorTransport[];
  /** Default 'platform'. */
  authenticatorAttachment?: AuthenticatorAttachment;
  /** Default: what the options ask for (residentKey 'required' or 'preferred', or requireResidentKey). */
  discoverable?: boolean;
  /**
   * COSE algorithm of the new key. Default ES256, which the options must offer; one given here is
   * used even when the options do not offer it (what a relying party must refuse).
   */
  algorithm?: SoftwareKeyAlgorithm;
}

export interface GetAssertionKnobs extends CeremonyKnobs {
  /** base64url id of the credential to use; else the first allowed one, else a discoverable one for the RP. */
  credentialId?: string;
  /** How much the signature counter grows per assertion. Default 1; 0 emulates synced passkeys that always send 0. */
  counterIncrement?: number;
  /** Sign with this counter value (and keep it), e.g. to emulate a cloned authenticator going backwards. */
  overrideCounter?: number;
}

/** A credential as a test may inspect it (the private key stays inside the authenticator). */
export interface SoftwareCredentialInfo {
  id: string;
  rpId: string;
  /** base64url user.id from the creation options. */
  userHandle: string;
  signCount: number;
  discoverable: boolean;
  backupEligible: boolean;
  backedUp: boolean;
}

interface StoredCredential extends SoftwareCredentialInfo {
  privateKey: KeyObject;
  algorithm: SoftwareKeyAlgorithm;
}

export class SoftwareAuthenticator {
  private readonly credentials = new Map<string, StoredCredential>();
  private readonly aaguid: Buffer;

  constructor(options: SoftwareAuthenticatorOptions = {}) {
    this.aaguid = Buffer.from((options.aaguid ?? ZERO_AAGUID).replace(/-/g, ''), 'hex');
    if (this.aaguid.length !== 16) throw new Error(`AAGUID must be a UUID, got "${options.aaguid}"`);
  }

  /** navigator.credentials.create() with this authenticator. */
  createCredential(
    options: PublicKeyCredentialCreationOptionsJSON,
    knobs: CreateCredentialKnobs,
  ): RegistrationResponseJSON {
    if (knobs.tamperSignature && knobs.attestation !== 'packed')
      throw new Error('tamperSignature needs attestation "packed": "none" carries no signature');
    if (knobs.algorithm === undefined && !options.pubKeyCredParams.some((param) => param.alg === ES256))
      throw new Error('NotSupportedError: the options do not allow ES256 (-7), the default algorithm');
    const algorithm = knobs.algorithm ?? ES256;
    const rpId = options.rp.id ?? new URL(knobs.origin).hostname;
    const excluded = new Set(options.excludeCredentials?.map((descriptor) => descriptor.id));
    if (
      [...this.credentials.values()].some(
        (credential) => credential.rpId === rpId && excluded.has(credential.id),
      )
    )
      throw new Error('InvalidStateError: the authenticator already holds an excluded credential');

    const { privateKey, publicKey } =
      algorithm === ES256
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const credentialId = randomBytes(32);
    const selection = options.authenticatorSelection;
    const credential: StoredCredential = {
      id: credentialId.toString('base64url'),
      rpId,
      userHandle: options.user.id,
      signCount: 0,
      discoverable:
        knobs.discoverable ??
        (selection?.requireResidentKey === true ||
          selection?.residentKey === 'required' ||
          selection?.residentKey === 'preferred'),
      backupEligible: knobs.backupEligible ?? false,
      backedUp: knobs.backedUp ?? false,
      privateKey,
      algorithm,
    };

    const attestedCredentialData = Buffer.concat([
      this.aaguid,
      uint16(credentialId.length),
      credentialId,
      coseKey(publicKey, algorithm),
    ]);
    const authenticatorData = Buffer.concat([
      authenticatorDataHeader(knobs.rpId ?? rpId, knobs, credential, FLAG.attestedCredentialData),
      attestedCredentialData,
    ]);
    const clientDataJSON = clientData('webauthn.create', knobs.challenge ?? options.challenge, knobs.origin);
    const attestationStatement =
      knobs.attestation === 'packed'
        ? new Map<string, number | Uint8Array>([
            ['alg', algorithm],
            [
              'sig',
              new Uint8Array(signature(credential, authenticatorData, clientDataJSON, knobs.tamperSignature)),
            ],
          ])
        : new Map();
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, number | Uint8Array>>([
        ['fmt', knobs.attestation ?? 'none'],
        ['attStmt', attestationStatement],
        ['authData', new Uint8Array(authenticatorData)],
      ]),
    );
    this.credentials.set(credential.id, credential);

    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
        transports: knobs.transports ?? ['internal'],
        publicKeyAlgorithm: algorithm,
        publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64url'),
      },
      clientExtensionResults: {},
      authenticatorAttachment: knobs.authenticatorAttachment ?? 'platform',
    };
  }

  /** navigator.credentials.get() with this authenticator. */
  getAssertion(
    options: PublicKeyCredentialRequestOptionsJSON,
    knobs: GetAssertionKnobs,
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(knobs.origin).hostname;
    const credential = this.pickCredential(rpId, options, knobs.credentialId);
    credential.signCount = knobs.overrideCounter ?? credential.signCount + (knobs.counterIncrement ?? 1);

    const authenticatorData = authenticatorDataHeader(knobs.rpId ?? rpId, knobs, credential, 0);
    const clientDataJSON = clientData('webauthn.get', knobs.challenge ?? options.challenge, knobs.origin);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
        signature: signature(credential, authenticatorData, clientDataJSON, knobs.tamperSignature).toString(
          'base64url',
        ),
        // Only discoverable credentials store the user handle on the authenticator.
        ...(credential.discoverable ? { userHandle: credential.userHandle } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** The credentials this authenticator holds, without their private keys. */
  listCredentials(): SoftwareCredentialInfo[] {
    return [...this.credentials.values()].map(({ privateKey: _privateKey, ...info }) => ({ ...info }));
  }

  private pickCredential(
    rpId: string,
    options: PublicKeyCredentialRequestOptionsJSON,
    credentialId?: string,
  ): StoredCredential {
    const forRp = [...this.credentials.values()].filter((credential) => credential.rpId === rpId);
    const allowed = options.allowCredentials ?? [];
    const picked = credentialId
      ? this.credentials.get(credentialId)
      : allowed.length > 0
        ? forRp.find((credential) => allowed.some((descriptor) => descriptor.id === credential.id))
        : forRp.find((credential) => credential.discoverable);
    if (!picked) throw new Error(`NotAllowedError: no matching credential for RP "${rpId}"`);
    return picked;
  }
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

const uint16 = (value: number) => {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
};

/** rpIdHash (32) | flags (1) | signCount (4, big-endian). */
const authenticatorDataHeader = (
  rpId: string,
  knobs: CeremonyKnobs,
  credential: StoredCredential,
  extraFlags: number,
) => {
  let flags = extraFlags;
  if (knobs.userPresent ?? true) flags |= FLAG.userPresent;
  if (knobs.userVerified ?? true) flags |= FLAG.userVerified;
  if (credential.backupEligible) flags |= FLAG.backupEligible;
  if (credential.backedUp) flags |= FLAG.backedUp;
  const signCount = Buffer.alloc(4);
  signCount.writeUInt32BE(credential.signCount);
  return Buffer.concat([sha256(rpId), Buffer.from([flags]), signCount]);
};

/** Member order as browsers serialise it (relying parties should not depend on it). */
const clientData = (type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string) =>
  Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));

/**
 * The credential's signature over authenticatorData || SHA-256(clientDataJSON): ES256 DER-encoded
 * as WebAuthn expects, RS256 / RS1 as RSASSA-PKCS1-v1_5 with SHA-256 / SHA-1.
 */
const signature = (
  { privateKey, algorithm }: Pick<StoredCredential, 'privateKey' | 'algorithm'>,
  authenticatorData: Buffer,
  clientDataJSON: Buffer,
  tamper = false,
) => {
  const digest = algorithm === RS1 ? 'sha1' : 'sha256';
  const signed = sign(digest, Buffer.concat([authenticatorData, sha256(clientDataJSON)]), privateKey);
  // The last byte belongs to the S integer: the DER stays parseable, the signature becomes wrong.
  if (tamper) signed.writeUInt8(signed.readUInt8(signed.length - 1) ^ 0x01, signed.length - 1);
  return signed;
};

/**
 * COSE_Key of the public key, in CTAP2 canonical key order: EC2 P-256 (1, 3, -1, -2, -3) for ES256,
 * RSA (1, 3, -1 n, -2 e) for RS256 and RS1.
 */
const coseKey = (publicKey: KeyObject, algorithm: SoftwareKeyAlgorithm) => {
  if (algorithm !== ES256) {
    const { n, e } = publicKey.export({ format: 'jwk' });
    if (!n || !e) throw new Error('RSA public key without modulus or exponent');
    return Buffer.from(
      isoCBOR.encode(
        new Map<number, number | Uint8Array>([
          [1, 3], // kty: RSA
          [3, algorithm],
          [-1, new Uint8Array(Buffer.from(n, 'base64url'))],
          [-2, new Uint8Array(Buffer.from(e, 'base64url'))],
        ]),
      ),
    );
  }
  const { x, y } = publicKey.export({ format: 'jwk' });
  if (!x || !y) throw new Error('EC public key without coordinates');
  const encoded = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, ES256], // alg
      [-1, 1], // crv: P-256
      [-2, new Uint8Array(Buffer.from(x, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(y, 'base64url'))],
    ]),
  );
  return Buffer.from(encoded);
};
