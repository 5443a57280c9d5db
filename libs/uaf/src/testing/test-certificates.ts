/**
 * X.509 certificates for the specs, DER-encoded by hand over node:crypto (which parses and verifies
 * certificates but does not issue them): enough of RFC 5280 for attestation chains — version 3,
 * a CN name, validity, the subject key, basicConstraints and the FIDO AAID extension.
 * Spec support only: never imported by the library.
 */
import { type KeyObject, generateKeyPairSync, sign } from 'node:crypto';

const length = (n: number): number[] => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);
export const derTlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag, ...length(content.length)]), content]);
};
const sequence = (...parts: Buffer[]) => derTlv(0x30, ...parts);
const set = (...parts: Buffer[]) => derTlv(0x31, ...parts);
const explicit = (n: number, ...parts: Buffer[]) => derTlv(0xa0 + n, ...parts);
export const derOctetString = (bytes: Buffer) => derTlv(0x04, bytes);
const boolean = (value: boolean) => derTlv(0x01, Buffer.from([value ? 0xff : 0x00]));
const integer = (value: number) => {
  const hex = value.toString(16);
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return derTlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
};
const oid = (dotted: string) => {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const arcs = [first * 40 + second, ...rest].flatMap((arc) => {
    const bytes = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128))
      bytes.unshift((value & 0x7f) | 0x80);
    return bytes;
  });
  return derTlv(0x06, Buffer.from(arcs));
};
const time = (date: Date) => {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return date.getUTCFullYear() < 2050
    ? derTlv(0x17, Buffer.from(text.slice(2)))
    : derTlv(0x18, Buffer.from(text));
};
const commonName = (cn: string) => sequence(set(sequence(oid('2.5.4.3'), derTlv(0x0c, Buffer.from(cn)))));
const extension = (id: string, critical: boolean, value: Buffer) =>
  sequence(oid(id), ...(critical ? [boolean(true)] : []), derOctetString(value));

const ID_FIDO_GEN_CE_AAID = '1.3.6.1.4.1.45724.1.1.1';

export interface CertificateSpec {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  /** The issuer's private key (the subject's own for a self-signed certificate). */
  signingKey: KeyObject;
  notBefore?: Date;
  notAfter?: Date;
  serial?: number;
  /** basicConstraints cA. */
  ca?: boolean;
  /** The extnValue of id-fido-gen-ce-aaid: an AAID text (wrapped in an OCTET STRING) or raw bytes. */
  aaid?: string | Buffer;
}

const signatureAlgorithm = (key: KeyObject) =>
  key.asymmetricKeyType === 'rsa'
    ? sequence(oid('1.2.840.113549.1.1.11'), derTlv(0x05)) // sha256WithRSAEncryption
    : sequence(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256

/** A DER certificate as `spec` says. */
export const issueCertificate = (spec: CertificateSpec): Buffer => {
  const extensions = [
    extension('2.5.29.19', true, spec.ca ? sequence(boolean(true)) : sequence()),
    ...(spec.aaid === undefined
      ? []
      : [
          extension(
            ID_FIDO_GEN_CE_AAID,
            false,
            Buffer.isBuffer(spec.aaid) ? spec.aaid : derOctetString(Buffer.from(spec.aaid)),
          ),
        ]),
  ];
  const algorithm = signatureAlgorithm(spec.signingKey);
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(spec.serial ?? 1),
    algorithm,
    commonName(spec.issuer),
    sequence(
      time(spec.notBefore ?? new Date('2020-01-01T00:00:00Z')),
      time(spec.notAfter ?? new Date('2040-01-01T00:00:00Z')),
    ),
    commonName(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, spec.signingKey);
  return sequence(tbs, algorithm, derTlv(0x03, Buffer.from([0]), signature));
};

export const pemOf = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;

export interface TestAttestationChain {
  root: Buffer;
  intermediate: Buffer;
  leaf: Buffer;
  /** The attestation private key (of `leaf`). */
  attestationKey: KeyObject;
}

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** root CA → intermediate CA → attestation certificate (naming `aaid`), all valid 2020–2040. */
export const newAttestationChain = (
  aaid: string,
  leafOverrides: Partial<CertificateSpec> = {},
): TestAttestationChain => {
  const rootKeys = p256();
  const intermediateKeys = p256();
  const leafKeys = p256();
  const root = issueCertificate({
    subject: 'Test Attestation Root',
    issuer: 'Test Attestation Root',
    publicKey: rootKeys.publicKey,
    signingKey: rootKeys.privateKey,
    ca: true,
  });
  const intermediate = issueCertificate({
    subject: 'Test Attestation CA',
    issuer: 'Test Attestation Root',
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    ca: true,
    serial: 2,
  });
  const leaf = issueCertificate({
    subject: `Test Authenticator ${aaid}`,
    issuer: 'Test Attestation CA',
    publicKey: leafKeys.publicKey,
    signingKey: intermediateKeys.privateKey,
    serial: 3,
    aaid,
    ...leafOverrides,
  });
  return { root, intermediate, leaf, attestationKey: leafKeys.privateKey };
};
