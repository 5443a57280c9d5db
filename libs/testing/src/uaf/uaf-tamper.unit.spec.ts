import { SoftwareUafAuthenticator } from './software-uaf-authenticator';
import { SoftwareUafClient } from './software-uaf-client';
import { uafTamper } from './uaf-tamper';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from './uaf-reference-verifier';

const HEADER = { upv: { major: 1, minor: 1 }, appID: 'https://id.example.test/facets', serverData: 's' };
const POLICY = { accepted: [[{ assertionSchemes: ['UAFV1TLV'] }]] };
const REGISTRATION = JSON.stringify([
  { header: { ...HEADER, op: 'Reg' }, challenge: 'Y2hhbGxlbmdlLXJlZw', username: 'u', policy: POLICY },
]);
const AUTHENTICATION = JSON.stringify([
  { header: { ...HEADER, op: 'Auth' }, challenge: 'Y2hhbGxlbmdlLWF1dGg', policy: POLICY },
]);

const assertionOf = (text: string) => Buffer.from(JSON.parse(text)[0].assertions[0].assertion, 'base64url');
const differingOffsets = (a: Buffer, b: Buffer) => [...a.keys()].filter((index) => a[index] !== b[index]);

describe.each(['BASIC_SURROGATE', 'BASIC_FULL'] as const)('uafTamper on %s responses', (attestation) => {
  const client = new SoftwareUafClient({
    facetID: 'https://id.example.test',
    authenticator: new SoftwareUafAuthenticator({ attestation }),
  });
  const registration = client.register(REGISTRATION);
  const { publicKey } = verifyRegistrationResponse(registration);
  const authentication = client.authenticate(AUTHENTICATION);

  it('flipAssertionByte breaks only the signature, one byte of it, by default', () => {
    const flippedRegistration = uafTamper.flipAssertionByte(registration);
    expect(differingOffsets(assertionOf(registration), assertionOf(flippedRegistration))).toHaveLength(1);
    expect(() => verifyRegistrationResponse(flippedRegistration)).toThrow('attestation signature');
    expect(() =>
      verifyAuthenticationResponse(uafTamper.flipAssertionByte(authentication), publicKey),
    ).toThrow('authentication signature');
  });

  it('flipAssertionByte flips the byte at a given offset', () => {
    // Offset 12: the first AAID byte (assertion header 4, KRD header 4, AAID header 4).
    const flipped = assertionOf(uafTamper.flipAssertionByte(registration, 12));
    const original = assertionOf(registration);
    expect(differingOffsets(original, flipped)).toEqual([12]);
    expect(flipped.readUInt8(12)).toBe(original.readUInt8(12) ^ 0x01);
  });

  it('truncateAssertion cuts bytes off the end, leaving TLV lengths that overrun', () => {
    const truncated = assertionOf(uafTamper.truncateAssertion(authentication, 5));
    expect(truncated.equals(assertionOf(authentication).subarray(0, -5))).toBe(true);
    expect(() =>
      verifyAuthenticationResponse(uafTamper.truncateAssertion(authentication, 5), publicKey),
    ).toThrow('TLV length exceeds the data');
  });

  it('oversizeLength declares the signed structure longer than the data after it', () => {
    for (const text of [registration, authentication]) {
      const original = assertionOf(text);
      const oversized = assertionOf(uafTamper.oversizeLength(text));
      expect(differingOffsets(original, oversized).every((offset) => offset === 6 || offset === 7)).toBe(
        true,
      );
      // The KRD / SIGNED_DATA item starts at 4: its length (at 6) now runs one byte past the assertion.
      expect(oversized.readUInt16LE(6)).toBe(original.length - 8 + 1);
    }
    expect(() => verifyRegistrationResponse(uafTamper.oversizeLength(registration))).toThrow(
      'TLV length exceeds the data',
    );
  });

  it('replaceFcParams changes fcParams but not the signed hash of the original', () => {
    const replaced = uafTamper.replaceFcParams(registration, (fc) => ({
      ...fc,
      facetID: 'https://evil.example.test',
    }));
    const fcParams = JSON.parse(Buffer.from(JSON.parse(replaced)[0].fcParams, 'base64url').toString('utf8'));
    expect(fcParams).toEqual({
      appID: HEADER.appID,
      challenge: 'Y2hhbGxlbmdlLXJlZw',
      facetID: 'https://evil.example.test',
      channelBinding: {},
    });
    expect(assertionOf(replaced).equals(assertionOf(registration))).toBe(true);
    expect(() => verifyRegistrationResponse(replaced)).toThrow('final challenge hash');
  });
});
