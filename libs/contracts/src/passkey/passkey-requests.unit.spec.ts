import { z } from 'zod';
import {
  authenticatePasskeyBodySchema,
  completePasskeyAuthenticationBodySchema,
  completePasskeyRegistrationBodySchema,
  registerPasskeyBodySchema,
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

  it('one-call bodies take the hints the client used (the changelog’s request hints), checked like a policy’s', () => {
    const registration = {
      userId: 'u',
      rpId: 'example.com',
      policyName: 'default',
      credential: { id: 'abc', rawId: 'abc', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'o2Nm' } },
    };
    const authentication = {
      ...registration,
      credential: { ...registration.credential, response: { clientDataJSON: 'e30', authenticatorData: 'YQ', signature: 'cw' } },
    };
    for (const [schema, body] of [
      [registerPasskeyBodySchema, registration],
      [authenticatePasskeyBodySchema, authentication],
    ] as const) {
      expect(paths(schema, body)).toEqual([]);
      expect(schema.parse({ ...body, hints: ['hybrid', 'security-key'] }).hints).toEqual(['hybrid', 'security-key']);
      expect(paths(schema, { ...body, hints: [] })).toEqual([]);
      expect(paths(schema, { ...body, hints: ['usb', 'hybrid', 'hybrid'] })).toEqual(['hints.0', 'hints.2']);
      expect(paths(schema, { ...body, hints: 'hybrid' })).toEqual(['hints']);
    }
    // A session completion takes the browser's response only: its options' hints are the session's.
    expect(paths(completePasskeyAuthenticationBodySchema, { ...authentication.credential, hints: ['hybrid'] })).toEqual(['']);
  });

  it('an update sets status or name', () => {
    expect(paths(updatePasskeyBodySchema, {})).toEqual(['']);
    expect(paths(updatePasskeyBodySchema, { name: null })).toEqual([]);
    expect(paths(updatePasskeyBodySchema, { name: '   ', status: 'LOCKED' })).toEqual(['name', 'status']);
  });
});
