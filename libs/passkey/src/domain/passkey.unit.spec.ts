import { passkeyIntegrationEvents } from '@identity-store/contracts';
import {
  PasskeyAuthenticationStarted,
  PasskeyRegistrationCompleted,
  parsePasskeyEvent,
  passkeyEvents,
  toPasskeyIntegrationEvent,
} from './passkey';

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
