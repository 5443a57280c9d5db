import { UAF_TAGS } from './index';
import { type AuthenticatorFacts, matchesAccepted, matchesDisallowed, policyViolation } from './policy-match';

const KEY_A = Buffer.alloc(32, 1).toString('base64url');
const KEY_B = Buffer.alloc(32, 2).toString('base64url');
const facts = (overrides: Partial<AuthenticatorFacts> = {}): AuthenticatorFacts => ({
  aaid: 'ABCD#0001',
  keyID: KEY_A,
  signAlgorithm: 1,
  attestationTag: UAF_TAGS.TAG_ATTESTATION_BASIC_SURROGATE,
  authenticatorVersion: 2,
  ...overrides,
});

describe('MatchCriteria of an accepted set (UAF Protocol §3.1.11)', () => {
  it.each([
    [{ aaid: ['abcd#0001'] }, true],
    [{ aaid: ['ABCD#0002'] }, false],
    [{ vendorID: ['abcd'] }, true],
    [{ vendorID: ['ABCE'] }, false],
    [{ keyIDs: [KEY_B, KEY_A] }, true],
    [{ keyIDs: [KEY_B] }, false],
    [{ authenticationAlgorithms: [2, 1] }, true],
    [{ authenticationAlgorithms: [2] }, false],
    [{ assertionSchemes: ['UAFV1TLV'] }, true],
    [{ assertionSchemes: ['WAV1CBOR'] }, false],
    [{ attestationTypes: [UAF_TAGS.TAG_ATTESTATION_BASIC_SURROGATE] }, true],
    [{ attestationTypes: [UAF_TAGS.TAG_ATTESTATION_BASIC_FULL] }, false],
    [{ authenticatorVersion: 2 }, true],
    [{ authenticatorVersion: 3 }, false],
    [{ userVerification: 2, keyProtection: 4, matcherProtection: 1, attachmentHint: 1, tcDisplay: 1 }, true],
    [{ userVerification: 2, authenticationAlgorithms: [2] }, false],
  ])('%j matches: %s', (criteria, matches) => {
    expect(matchesAccepted(criteria, facts())).toBe(matches);
  });
});

describe('MatchCriteria of disallowed (UAF Protocol §3.1.12)', () => {
  it.each([
    [{ aaid: ['ABCD#0001'], keyIDs: [KEY_A] }, true],
    [{ aaid: ['ABCD#0001'], keyIDs: [KEY_B] }, false],
    [{ aaid: ['ABCD#0001'] }, true],
    [{ authenticationAlgorithms: [1] }, true],
    [{ userVerification: 512, keyProtection: 16, assertionSchemes: ['UAFV1TLV'] }, false],
    [{ userVerification: 256, keyProtection: 16 }, false],
    [{}, false],
  ])('%j excludes: %s', (criteria, excludes) => {
    expect(matchesDisallowed(criteria, facts())).toBe(excludes);
  });
});

describe('policyViolation', () => {
  const anyUafAuthenticator = { authenticationAlgorithms: [1, 2], assertionSchemes: ['UAFV1TLV'] };

  it('accepts an authenticator matching one accepted set of one criterion', () => {
    expect(
      policyViolation({ accepted: [[{ aaid: ['FFFF#0001'] }], [anyUafAuthenticator]] }, [facts()]),
    ).toBeUndefined();
  });

  it('needs one authenticator per criterion of a set, matched one to one (§3.1.12)', () => {
    const pair = { accepted: [[{ aaid: ['ABCD#0001'] }, { aaid: ['ABCD#0002'] }]] };
    expect(policyViolation(pair, [facts()])).toMatch(/no accepted set/);
    expect(policyViolation(pair, [facts(), facts({ aaid: 'ABCD#0002', keyID: KEY_B })])).toBeUndefined();
    expect(policyViolation(pair, [facts(), facts({ keyID: KEY_B })])).toMatch(/no accepted set/);
    expect(
      policyViolation({ accepted: [[anyUafAuthenticator]] }, [facts(), facts({ keyID: KEY_B })]),
    ).toMatch(/no accepted set/);
  });

  it('refuses an authenticator that a disallowed criterion excludes, whatever it matches in accepted', () => {
    const policy = {
      accepted: [[anyUafAuthenticator]],
      disallowed: [{ aaid: ['ABCD#0001'], keyIDs: [KEY_A] }],
    };
    expect(policyViolation(policy, [facts()])).toMatch(/disallowed/);
    expect(policyViolation(policy, [facts({ keyID: KEY_B })])).toBeUndefined();
  });
});
