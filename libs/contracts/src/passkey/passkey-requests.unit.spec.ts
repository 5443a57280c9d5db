import { z } from 'zod';
import {
  authenticatePasskeyBodySchema,
  completePasskeyRegistrationBodySchema,
  startStorePasskeyRegistrationBodySchema,
  updatePasskeyBodySchema,
} from './passkey-requests';

const paths = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].sort();
};

describe('passkey request bodies', () => {
  it('a registration completion is the RegistrationResponseJSON: every bad member named', () => {
    expect(
      paths(completePasskeyRegistrationBodySchema, {
        id: 'abc',
        rawId: 'abd',
        type: 'public-key',
        response: { clientDataJSON: 'e30', attestationObject: 'o2Nm' },
      }),
    ).toEqual(['rawId']);
    expect(
      paths(completePasskeyRegistrationBodySchema, { id: '', type: 'x', response: {}, extra: 1 }),
    ).toEqual(['', 'id', 'rawId', 'response.attestationObject', 'response.clientDataJSON', 'type']);
  });

  it('store-level and one-call bodies name exactly one user', () => {
    expect(paths(startStorePasskeyRegistrationBodySchema, {})).toEqual(['extId', 'userId']);
    expect(paths(startStorePasskeyRegistrationBodySchema, { userId: 'u', extId: 'e' })).toEqual([
      'extId',
      'userId',
    ]);
    expect(paths(startStorePasskeyRegistrationBodySchema, { extId: 'e' })).toEqual([]);
    // ... also when other members are bad, so one answer names them all.
    expect(paths(authenticatePasskeyBodySchema, { rpId: 'Example.com', policyName: 'x y' })).toEqual([
      'credential',
      'extId',
      'policyName',
      'rpId',
      'userId',
    ]);
  });

  it('an update sets status or name', () => {
    expect(paths(updatePasskeyBodySchema, {})).toEqual(['']);
    expect(paths(updatePasskeyBodySchema, { name: null })).toEqual([]);
    expect(paths(updatePasskeyBodySchema, { name: '   ', status: 'LOCKED' })).toEqual(['name', 'status']);
  });
});
