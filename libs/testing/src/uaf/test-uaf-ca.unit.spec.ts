import { sign, verify, X509Certificate } from 'node:crypto';
import { createTestUafCa } from './test-uaf-ca';

/** DER of the extension id-fido-gen-ce-aaid: OID 1.3.6.1.4.1.45724.1.1.1, then extnValue OCTET STRING { OCTET STRING aaid }. */
const certificates = (chainDer: Buffer[]) => chainDer.map((der) => new X509Certificate(der));

const aaidExtension = (aaid: string) =>
  Buffer.concat([Buffer.from('060b2b0601040182e51c010101040b0409', 'hex'), Buffer.from(aaid, 'utf8')]);

describe('createTestUafCa', () => {
  it('issues a leaf attestation certificate for an AAID, signed by the root, certifying the returned key', () => {
    const ca = createTestUafCa();
    const root = new X509Certificate(ca.rootPem);
    const { chainDer, privateKey } = ca.issue('4E4E#4005');
    const [leaf, ...more] = certificates(chainDer);
    if (!leaf) throw new Error('no leaf');
    expect(more).toHaveLength(0);

    expect(root.ca && root.verify(root.publicKey)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(root) && leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.raw.includes(aaidExtension('4E4E#4005'))).toBe(true);
    const data = Buffer.from('key registration data');
    expect(verify('sha256', data, leaf.publicKey, sign('sha256', data, privateKey))).toBe(true);
  });

  it('issues through an intermediate: leaf first, then the intermediate the root issued', () => {
    const ca = createTestUafCa({ intermediate: true });
    const root = new X509Certificate(ca.rootPem);
    const [leaf, intermediate, ...more] = certificates(ca.issue('FFFF#5A01').chainDer);
    if (!leaf || !intermediate) throw new Error('no chain of two');
    expect(more).toHaveLength(0);
    expect(intermediate.ca && intermediate.checkIssued(root) && intermediate.verify(root.publicKey)).toBe(
      true,
    );
    expect(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey)).toBe(true);
    expect(leaf.checkIssued(root)).toBe(false);
  });

  it('issues leaves with the notAfter asked for (an expired attestation certificate)', () => {
    const notAfter = new Date('2020-01-01T00:00:00Z');
    const [leaf] = certificates(createTestUafCa({ notAfter }).issue('FFFF#5A01').chainDer);
    if (!leaf) throw new Error('no leaf');
    expect(new Date(leaf.validTo).getTime()).toBe(notAfter.getTime());
    expect(new Date(leaf.validFrom).getTime()).toBeLessThan(notAfter.getTime());
  });
});
