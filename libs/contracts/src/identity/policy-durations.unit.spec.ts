import { issuesOf } from '@identity-store/testing';
import { updatePasscodeBodySchema } from '../passcode/passcode-requests';
import { PasscodePolicySet, TotpPolicySet } from './identity-integration-events';
import {
  createPasscodePolicyBodySchema,
  createStoreBodySchema,
  createTotpPolicyBodySchema,
  passcodePolicySchema,
  totpPolicySchema,
  updatePasscodePolicyBodySchema,
  updateStoreBodySchema,
  updateTotpPolicyBodySchema,
} from './store';


const TOO_LONG = 'must be at most P10Y (10 years)';

/** Review M1: every duration a request may set is at most P10Y; stored policies stay readable. */
describe('policy durations are bounded in requests (review M1)', () => {
  it.each(['P1000000Y', 'PT99999999999H', 'P3653D', 'P121M', 'P10YT1S'])(
    'a TOTP policy with lockoutDuration %s is refused, naming the field',
    (lockoutDuration) => {
      const body = { name: 'p', issuer: 'Acme', lockoutDuration };
      expect(issuesOf(createTotpPolicyBodySchema.safeParse(body))).toEqual([`lockoutDuration: ${TOO_LONG}`]);
      expect(issuesOf(updateTotpPolicyBodySchema.safeParse({ lockoutDuration }))).toEqual([
        `lockoutDuration: ${TOO_LONG}`,
      ]);
      expect(issuesOf(createStoreBodySchema.safeParse({ name: 's', totpPolicies: { p: body } }))).toEqual([
        `totpPolicies.p.lockoutDuration: ${TOO_LONG}`,
      ]);
      expect(issuesOf(updateStoreBodySchema.safeParse({ totpPolicies: { p: body } }))).toEqual([
        `totpPolicies.p.lockoutDuration: ${TOO_LONG}`,
      ]);
    },
  );

  it('a passcode policy names each duration over P10Y', () => {
    const body = { name: 'p', validity: 'P1000000Y', renewalWindow: 'PT99999999999H', lockoutDuration: 'P11Y' };
    const expected = ['lockoutDuration', 'renewalWindow', 'validity'].map((field) => `${field}: ${TOO_LONG}`);
    expect(issuesOf(createPasscodePolicyBodySchema.safeParse(body))).toEqual(expected);
    const { name: _name, ...update } = body;
    expect(issuesOf(updatePasscodePolicyBodySchema.safeParse(update))).toEqual(expected);
    expect(issuesOf(createStoreBodySchema.safeParse({ name: 's', passcodePolicies: { p: body } }))).toEqual(
      expected.map((issue) => `passcodePolicies.p.${issue}`),
    );
  });

  it('accepts the largest durations (P10Y, P120M, P3652D)', () => {
    expect(createTotpPolicyBodySchema.parse({ name: 'p', issuer: 'Acme', lockoutDuration: 'P10Y' }).lockoutDuration).toBe('P10Y');
    expect(
      createPasscodePolicyBodySchema.safeParse({ name: 'p', validity: 'P120M', renewalWindow: 'P3652D', lockoutDuration: 'P10Y' })
        .success,
    ).toBe(true);
  });

  it('a malformed or overlong duration string is "not a duration"', () => {
    expect(issuesOf(updateTotpPolicyBodySchema.safeParse({ lockoutDuration: `PT${'0'.repeat(70)}1S` }))).toEqual([
      'lockoutDuration: must be an ISO-8601 duration such as PT15M or P90D',
    ]);
  });

  it('policies stored before the bound still load from their events (the deciders clamp their dates)', () => {
    const totp = { name: 'p', issuer: 'Acme', lockoutDuration: 'P1000000Y' };
    expect(totpPolicySchema.parse(totp).lockoutDuration).toBe('P1000000Y');
    expect(TotpPolicySet.create({ storeId: 's', policy: totp, at: '2026-05-07T10:00:00.000Z' }).data.policy).toMatchObject(totp);
    const passcode = { name: 'p', validity: 'P1000000Y', renewalWindow: 'P999999Y', lockoutDuration: 'P1000000Y' };
    expect(passcodePolicySchema.parse(passcode)).toMatchObject(passcode);
    expect(
      PasscodePolicySet.create({ storeId: 's', policy: passcodePolicySchema.parse(passcode), at: '2026-05-07T10:00:00.000Z' })
        .data.policy,
    ).toMatchObject(passcode);
  });
});

describe('request dates lie between 1970 and 9999 (review M1)', () => {
  it.each(['1970-01-01T00:00:00Z', '2026-05-07T10:00:00.000Z', '9999-12-31T23:59:59.999Z'])('accepts %s', (expirationDtm) => {
    expect(updatePasscodeBodySchema.safeParse({ expirationDtm }).success).toBe(true);
  });

  it.each([
    ['before 1970', '1969-12-31T23:59:59.999Z', 'must not be before 1970-01-01T00:00:00Z'],
    ['year 0', '0000-01-01T00:00:00Z', 'must not be before 1970-01-01T00:00:00Z'],
    ['a five-digit year', '+010000-01-01T00:00:00Z', 'Invalid ISO datetime'],
  ])('refuses %s, naming the field', (_label, expirationDtm, message) => {
    expect(issuesOf(updatePasscodeBodySchema.safeParse({ expirationDtm }))).toEqual([`expirationDtm: ${message}`]);
  });
});
