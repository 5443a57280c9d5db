/**
 * Basic attestation (UAF Protocol §4.1.2.1, §3.4.6.5):
 * - Surrogate: the KRD is signed by the new UAuth key itself; it proves nothing about the model, so
 *   when trust anchors are configured for the AAID it is refused ("the AAID obviously is expecting a
 *   different attestation method").
 * - Full: the KRD is signed by the key of the attestation certificate, the first TAG_ATTESTATION_CERT;
 *   each following certificate issues the one before (Authenticator Commands §4.3). Checked here:
 *   every certificate parses as DER and is valid at `now`; each is issued and signed by the next,
 *   which is a CA (basicConstraints cA); the last one is, or is issued and signed by, a configured
 *   trust anchor (a CA valid at `now`) when anchors are given; when the attestation certificate
 *   carries id-fido-gen-ce-aaid (1.3.6.1.4.1.45724.1.1.1, FIDO Metadata Statements), it names the
 *   KRD's AAID. Not checked: key usage, path length constraints, revocation (no CRLs or metadata TOC).
 *   Without trust anchors a full attestation is only consistent, not trusted (`trusted: false`).
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { DER, oidText, readDerSequence, readWholeDer } from './der';
import { type RegistrationAssertion } from './registration-assertion';
import { assertKeyFitsAlgorithm, verifyUafSignature } from './signatures';
import { UafError } from './uaf-error';

export interface AttestationCertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  fingerprint256: string;
}

export interface VerifiedAttestation {
  type: 'BASIC_FULL' | 'BASIC_SURROGATE';
  /** Whether the attestation chains to a configured trust anchor. */
  trusted: boolean;
  certificate?: AttestationCertificateSummary;
}

const ID_FIDO_GEN_CE_AAID = '1.3.6.1.4.1.45724.1.1.1';
/** RSA attestation keys may be longer than the 2048 bits of UAuth keys, not shorter. */
const MIN_ATTESTATION_RSA_BITS = 2048;

const invalid = (message: string) => new UafError('ATTESTATION_INVALID', message);

/** The trust anchors of PEM texts; a TypeError names one that is not a certificate (a configuration error). */
export const parseTrustAnchors = (pems: readonly string[]): X509Certificate[] =>
  pems.map((pem, index) => {
    try {
      return new X509Certificate(pem);
    } catch {
      throw new TypeError(`trustAnchors[${index}] is not a PEM X.509 certificate`);
    }
  });

const certificateOf = (der: Buffer, index: number): X509Certificate => {
  if (!readWholeDer(der, DER.SEQUENCE))
    throw invalid(`TAG_ATTESTATION_CERT ${index} is not one DER certificate`);
  try {
    return new X509Certificate(der);
  } catch {
    throw invalid(`TAG_ATTESTATION_CERT ${index} is not an X.509 certificate`);
  }
};

const validAt = (certificate: X509Certificate, now: Date): boolean =>
  Date.parse(certificate.validFrom) <= now.getTime() && now.getTime() <= Date.parse(certificate.validTo);

const issuedBy = (certificate: X509Certificate, issuer: X509Certificate): boolean =>
  certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);

/** The extnValue of the extension `oid` of a DER certificate (RFC 5280 §4.1), if present. */
const extensionValue = (der: Buffer, oid: string): Buffer | undefined => {
  const tbs = readDerSequence(readWholeDer(der, DER.SEQUENCE) ?? Buffer.alloc(0))?.[0];
  const tbsFields = tbs && readDerSequence(tbs.content);
  const extensions = tbsFields?.find((field) => field.tag === DER.CONTEXT_3);
  const list = extensions && readWholeDer(extensions.content, DER.SEQUENCE);
  for (const extension of (list && readDerSequence(list)) ?? []) {
    const parts = readDerSequence(extension.content);
    const id = parts?.[0];
    const value = parts?.at(-1);
    if (id?.tag === DER.OBJECT_IDENTIFIER && oidText(id.content) === oid) {
      return value?.tag === DER.OCTET_STRING ? value.content : Buffer.alloc(0);
    }
  }
  return undefined;
};

const assertAaidExtension = (der: Buffer, aaid: string): void => {
  const value = extensionValue(der, ID_FIDO_GEN_CE_AAID);
  if (value === undefined) return;
  const named = readWholeDer(value, DER.OCTET_STRING)?.toString('latin1');
  if (named?.toUpperCase() !== aaid) {
    throw invalid(`the attestation certificate names AAID ${JSON.stringify(named ?? '?')}, the KRD ${aaid}`);
  }
};

const anchoredIn = (last: X509Certificate, anchors: X509Certificate[], now: Date): boolean =>
  anchors.some(
    (anchor) => anchor.raw.equals(last.raw) || (anchor.ca && validAt(anchor, now) && issuedBy(last, anchor)),
  );

const summary = (certificate: X509Certificate): AttestationCertificateSummary => ({
  subject: certificate.subject,
  issuer: certificate.issuer,
  serialNumber: certificate.serialNumber,
  fingerprint256: certificate.fingerprint256,
});

const signatureInvalid = () =>
  new UafError('SIGNATURE_INVALID', 'the attestation signature over TAG_UAFV1_KRD does not verify');

/** Verifies the attestation of a parsed registration assertion whose UAuth.pub is `uauthKey`. */
export const verifyAttestation = (
  { krd, signedBytes, attestation }: RegistrationAssertion,
  uauthKey: KeyObject,
  { trustAnchors, now, acceptSurrogate = false }: { trustAnchors: X509Certificate[]; now: Date; acceptSurrogate?: boolean },
): VerifiedAttestation => {
  const algorithm = krd.signatureAlgAndEncoding;
  if (attestation.type === 'BASIC_SURROGATE') {
    if (trustAnchors.length > 0 && !acceptSurrogate) {
      throw new UafError(
        'ATTESTATION_UNTRUSTED',
        'trust anchors are configured: a surrogate attestation is refused',
      );
    }
    if (!verifyUafSignature(algorithm, uauthKey, signedBytes, attestation.signature))
      throw signatureInvalid();
    return { type: 'BASIC_SURROGATE', trusted: false };
  }
  const chain = attestation.certificates.map(certificateOf);
  const [leaf] = chain;
  if (!leaf) throw invalid('no attestation certificate');
  assertAaidExtension(leaf.raw, krd.aaid);
  chain.forEach((certificate, index) => {
    if (!validAt(certificate, now))
      throw invalid(`attestation certificate ${index} is not valid at ${now.toISOString()}`);
    const issuer = chain[index + 1];
    if (issuer && !(issuer.ca && issuedBy(certificate, issuer))) {
      throw invalid(`attestation certificate ${index} is not issued by certificate ${index + 1}, a CA`);
    }
  });
  const trusted = trustAnchors.length > 0 && anchoredIn(chain.at(-1) ?? leaf, trustAnchors, now);
  if (trustAnchors.length > 0 && !trusted) {
    throw new UafError(
      'ATTESTATION_UNTRUSTED',
      'the attestation certificate chain does not end in a trust anchor',
    );
  }
  assertKeyFitsAlgorithm(leaf.publicKey, algorithm, MIN_ATTESTATION_RSA_BITS);
  if (!verifyUafSignature(algorithm, leaf.publicKey, signedBytes, attestation.signature))
    throw signatureInvalid();
  return { type: 'BASIC_FULL', trusted, certificate: summary(leaf) };
};
