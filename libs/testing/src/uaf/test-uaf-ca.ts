import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';

/**
 * A test CA for UAF Basic Full attestation: a root, optionally an intermediate, and a leaf
 * attestation certificate per AAID (FIDO UAF Protocol v1.1, "Basic Attestation": the leaf's key
 * signs the KRD; TAG_ATTESTATION_CERT carries the leaf first, then each issuer up to, not including,
 * the root a server trusts).
 *
 * Built with the ASN.1 schemas of @peculiar/asn1-x509 and signed with node:crypto, both
 * synchronous: @peculiar/x509's generator runs on WebCrypto and is asynchronous only, which would
 * make every register() call of the software client asynchronous too.
 */
export interface IssuedUafAttestation {
  /** DER certificates, leaf first (the TAG_ATTESTATION_CERT entries in order). */
  chainDer: Buffer[];
  /** The attestation private key (P-256) the leaf certifies. */
  privateKey: KeyObject;
}

export interface TestUafCa {
  /** PEM of the self-signed root: what a server's attestationRootCertificates would hold. */
  rootPem: string;
  issue(aaid: string): IssuedUafAttestation;
}

export interface TestUafCaOptions {
  /** Issue leaves from an intermediate CA (the chain then has two certificates). */
  intermediate?: boolean;
  /** notAfter of the leaves it issues, e.g. in the past for an expired attestation certificate. */
  notAfter?: Date;
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';
const ORGANIZATIONAL_UNIT = '2.5.4.11';
const COUNTRY = '2.5.4.6';
/**
 * id-fido-gen-ce-aaid (FIDO UAF Protocol v1.1, "Basic Attestation"): when present it must equal
 * the AAID of the assertion. Its extnValue is a DER OCTET STRING holding the AAID's 9 bytes.
 */
const ID_FIDO_GEN_CE_AAID = '1.3.6.1.4.1.45724.1.1.1';

const DAY_MS = 24 * 60 * 60 * 1000;

interface Party {
  name: Name;
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyIdentifier: Buffer;
}

const distinguishedName = (commonName: string, unit: string): Name =>
  new Name(
    [
      [COUNTRY, 'US'],
      [ORGANIZATION, 'identity-store tests'],
      [ORGANIZATIONAL_UNIT, unit],
      [COMMON_NAME, commonName],
    ].map(
      ([type, value]) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({
            type,
            value: new AttributeValue(type === COUNTRY ? { printableString: value } : { utf8String: value }),
          }),
        ]),
    ),
  );

const newParty = (commonName: string, unit: string): Party => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits.
  const keyIdentifier = createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
  return { name: distinguishedName(commonName, unit), privateKey, publicKey, keyIdentifier };
};

const extension = (extnID: string, value: unknown, critical = false) =>
  new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

const certify = (
  subject: Party,
  issuer: Party,
  validity: { notBefore: Date; notAfter: Date },
  extra: { ca: boolean; aaid?: string },
): Buffer => {
  const serial = new Uint8Array(randomBytes(16));
  // A positive INTEGER in minimal DER: top bit clear, and a first byte never 0 (no padding byte).
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const keyUsage = extra.ca
    ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign
    : KeyUsageFlags.digitalSignature;
  const signatureAlgorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer,
    signature: signatureAlgorithm,
    issuer: issuer.name,
    validity: new Validity(validity),
    subject: subject.name,
    subjectPublicKeyInfo: AsnConvert.parse(
      subject.publicKey.export({ type: 'spki', format: 'der' }),
      SubjectPublicKeyInfo,
    ),
    extensions: new Extensions([
      extension(id_ce_basicConstraints, new BasicConstraints({ cA: extra.ca }), true),
      extension(id_ce_keyUsage, new KeyUsage(keyUsage), true),
      extension(id_ce_subjectKeyIdentifier, new SubjectKeyIdentifier(subject.keyIdentifier)),
      extension(
        id_ce_authorityKeyIdentifier,
        new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuer.keyIdentifier) }),
      ),
      ...(extra.aaid
        ? [extension(ID_FIDO_GEN_CE_AAID, new OctetString(Buffer.from(extra.aaid, 'utf8')))]
        : []),
    ]),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbsCertificate)), issuer.privateKey);
  const signatureValue = new Uint8Array(signature).buffer;
  return Buffer.from(
    AsnConvert.serialize(new Certificate({ tbsCertificate, signatureAlgorithm, signatureValue })),
  );
};

export const createTestUafCa = (options: TestUafCaOptions = {}): TestUafCa => {
  const now = Date.now();
  const caValidity = { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 3650 * DAY_MS) };
  const root = newParty('UAF Test Attestation Root', 'Root CA');
  const rootDer = certify(root, root, caValidity, { ca: true });
  const intermediate = options.intermediate
    ? newParty('UAF Test Attestation Intermediate', 'Intermediate CA')
    : undefined;
  const intermediateDer = intermediate && certify(intermediate, root, caValidity, { ca: true });
  const leafIssuer = intermediate ?? root;
  const leafNotAfter = options.notAfter ?? new Date(now + 365 * DAY_MS);
  const leafValidity = {
    notBefore: new Date(Math.min(now - DAY_MS, leafNotAfter.getTime() - DAY_MS)),
    notAfter: leafNotAfter,
  };
  return {
    rootPem: new X509Certificate(rootDer).toString(),
    issue: (aaid) => {
      const leaf = newParty(`UAF Test Authenticator ${aaid}`, 'Authenticator Attestation');
      const leafDer = certify(leaf, leafIssuer, leafValidity, { ca: false, aaid });
      return {
        chainDer: intermediateDer ? [leafDer, intermediateDer] : [leafDer],
        privateKey: leaf.privateKey,
      };
    },
  };
};
