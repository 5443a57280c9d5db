import { z } from 'zod';
import {
  authenticatePasskeyBodySchema,
  completePasskeyRegistrationBodySchema,
  startStorePasskeyRegistrationBodySchema,
  updatePasskeyBodySchema,
} from './passkey-api';
import {
  PasskeyAuthenticationStarted,
  PasskeyRegistrationCompleted,
  parsePasskeyEvent,
  passkeyEvents,
  toPasskeyIntegrationEvent,
} from './passkey-events';
import { passkeyIntegrationEvents } from './passkey-integration-events';

const at = '2026-05-07T10:00:00.000Z';
const challenge = 'Y2hhbGxlbmdlLWNoYWxsZW5nZS0xMjM0NTY3ODk';

const completed = PasskeyRegistrationCompleted.create({
  sessionId: 'session-1',
  storeId: 'store-1',
  passkeyId: 'pk-1',
  rpId: 'example.com',
  policyName: 'default',
  credentialId: 'Y3JlZA',
  publicKey: 'UFVCTElDLUtFWQ',
  name: null,
  aaguid: '00000000-0000-0000-0000-000000000000',
  attestationFormat: 'none',
  transports: ['internal'],
  hints: [],
  userVerified: true,
  backupEligible: false,
  backedUp: false,
  deviceType: 'singleDevice',
  authenticatorAttachment: null,
  origin: 'https://example.com',
  signCount: 0,
  createdDtm: at,
});

const started = PasskeyAuthenticationStarted.create({
  sessionId: 'session-2',
  storeId: 'store-1',
  rpId: 'example.com',
  policyName: 'default',
  challenge,
  userVerification: 'required',
  hints: ['hybrid'],
  allowCredentials: ['Y3JlZA'],
  usernameless: false,
  expiresDtm: at,
  at,
});

const paths = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].sort();
};

describe('passkey stored events', () => {
  it('validate their data', () => {
    expect(() =>
      PasskeyRegistrationCompleted.create({ ...completed.data, credentialId: 'not base64url!' }),
    ).toThrow();
    expect(() => PasskeyAuthenticationStarted.create({ ...started.data, challenge: 'short' })).toThrow();
    expect(() =>
      PasskeyAuthenticationStarted.create({ ...started.data, hints: ['somewhere' as 'hybrid'] }),
    ).toThrow();
    expect(
      parsePasskeyEvent({ type: completed.type, data: JSON.parse(JSON.stringify(completed.data)) }),
    ).toEqual(completed);
    expect(() => parsePasskeyEvent({ type: 'PasskeyNope', data: {} })).toThrow(/Unknown passkey event/);
  });
});

describe('passkey integration events', () => {
  it('drop session ids, challenges, allowed credentials and public keys', () => {
    const registration = toPasskeyIntegrationEvent(completed)!;
    expect(registration.type).toBe('PasskeyRegistrationCompleted');
    expect(registration.data).not.toHaveProperty('publicKey');
    expect(registration.data).not.toHaveProperty('sessionId');
    expect(registration.data).not.toHaveProperty('storeId');
    expect(registration.data).toMatchObject({
      passkeyId: 'pk-1',
      credentialId: 'Y3JlZA',
      attestationFormat: 'none',
    });
    const start = toPasskeyIntegrationEvent(started)!;
    expect(start.data).toEqual({
      rpId: 'example.com',
      policyName: 'default',
      usernameless: false,
      expiresDtm: at,
      at,
    });
    expect(JSON.stringify(start)).not.toContain(challenge);
  });

  it('exist for every stored event (streams reach the topic without holes); a closed session is published without its id', () => {
    expect(Object.keys(passkeyIntegrationEvents).sort()).toEqual(Object.keys(passkeyEvents).sort());
    expect(
      toPasskeyIntegrationEvent({
        type: 'PasskeyAuthenticationSessionClosed',
        data: { sessionId: 's', authenticationId: 'a', at },
      }),
    ).toEqual({ type: 'PasskeyAuthenticationSessionClosed', version: 1, data: { authenticationId: 'a', at } });
  });
});

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
