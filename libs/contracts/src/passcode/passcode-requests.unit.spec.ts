import { completePasscodeAuthenticationBodySchema, updatePasscodeBodySchema } from './passcode-requests';

describe('passcode API bodies', () => {
  it('are strict', () => {
    expect(completePasscodeAuthenticationBodySchema.safeParse({ A: 'ab', M1: 'cd', extra: 1 }).success).toBe(
      false,
    );
    expect(
      completePasscodeAuthenticationBodySchema.safeParse({ A: 'ab', M1: 'cd', context: { ip: 'x' } }).success,
    ).toBe(true);
  });

  it('an update names a status or an expiration', () => {
    expect(updatePasscodeBodySchema.safeParse({}).success).toBe(false);
    expect(updatePasscodeBodySchema.safeParse({ status: 'PENDING' }).success).toBe(false);
    expect(updatePasscodeBodySchema.parse({ expirationDtm: null })).toEqual({ expirationDtm: null });
  });
});
