import { totpCredentialSchema, totpIntegrationEvents } from '@identity-store/contracts';
import {
  TotpAuthenticationFailed,
  TotpAuthenticationSucceeded,
  TotpDeregistered,
  TotpLocked,
  TotpRegistrationCompleted,
  TotpRegistrationStarted,
  TotpStatusChanged,
  parseTotpEvent,
  toTotpIntegrationEvent,
  type TotpEvent,
} from './totp';

const at = '2026-05-07T10:00:10.000Z';

const started = TotpRegistrationStarted.create({
  credentialId: 'c1',
  policyName: 'default',
  algorithm: 'SHA256',
  digits: 8,
  period: 30,
  window: 1,
  encryptedSecret: 'v1:ciphertext-SECRET',
  createdDtm: at,
});

const all: TotpEvent[] = [
  started,
  TotpRegistrationCompleted.create({ credentialId: 'c1', timeStep: 59_271_600, at }),
  TotpAuthenticationSucceeded.create({
    credentialId: 'c1',
    authenticationId: 'a1',
    timeStep: 59_271_601,
    at,
    context: { ip: '192.0.2.1' },
  }),
  TotpAuthenticationFailed.create({
    credentialId: 'c1',
    authenticationId: 'a2',
    reason: 'CODE_REPLAYED',
    failedAttempts: 3,
    at,
  }),
  TotpLocked.create({ credentialId: 'c1', lockedUntil: '2026-05-07T10:15:10.000Z', at }),
  TotpStatusChanged.create({ credentialId: 'c1', status: 'SUSPENDED', at }),
  TotpDeregistered.create({ credentialId: 'c1', at, reason: 'DELETED' }),
];

describe('TOTP stored events', () => {
  it('validate their data', () => {
    expect(() => TotpRegistrationStarted.create({ ...started.data, digits: 7 as 6 })).toThrow();
    expect(() => TotpRegistrationStarted.create({ ...started.data, algorithm: 'MD5' as 'SHA1' })).toThrow();
    expect(() => TotpLocked.create({ credentialId: 'c1', lockedUntil: 'tomorrow', at })).toThrow();
    expect(() =>
      TotpAuthenticationFailed.create({
        credentialId: 'c1',
        authenticationId: 'a',
        reason: 'EXPIRED' as 'INVALID_CODE',
        failedAttempts: 1,
        at,
      }),
    ).toThrow();
  });

  it('parse back from raw JSON', () => {
    for (const event of all) {
      expect(parseTotpEvent(JSON.parse(JSON.stringify(event)))).toStrictEqual(event);
    }
    expect(() => parseTotpEvent({ type: 'Nope', data: {} })).toThrow('Unknown TOTP event type');
    expect(() => parseTotpEvent({ type: 'TotpLocked', data: { credentialId: 'c1' } })).toThrow();
  });
});

describe('toTotpIntegrationEvent', () => {
  it('drops the encrypted secret from TotpRegistrationStarted and keeps everything else', () => {
    expect(toTotpIntegrationEvent(started)).toStrictEqual({
      type: 'TotpRegistrationStarted',
      version: 1,
      data: {
        credentialId: 'c1',
        policyName: 'default',
        algorithm: 'SHA256',
        digits: 8,
        period: 30,
        window: 1,
        createdDtm: at,
      },
    });
  });

  it('maps every event type to the same type and data, never carrying a secret', () => {
    for (const event of all) {
      const integration = toTotpIntegrationEvent(event);
      expect(integration.type).toBe(event.type);
      expect(integration.version).toBe(totpIntegrationEvents[event.type].version);
      expect(JSON.stringify(integration)).not.toMatch(/secret/i);
      if (event.type !== 'TotpRegistrationStarted') expect(integration.data).toStrictEqual(event.data);
    }
  });

  it('does not leak fields smuggled into the stored data', () => {
    const tampered = { ...started, data: { ...started.data, secret: 'JBSWY3DPEHPK3PXP' } } as TotpEvent;
    expect(toTotpIntegrationEvent(tampered).data).not.toHaveProperty('secret');
  });
});

describe('totpCredentialSchema', () => {
  it('accepts the resource shape and strips anything else', () => {
    const resource = {
      id: 'c1',
      policyName: 'default',
      status: 'LOCKED',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      createdDtm: at,
      lastUsedDtm: null,
      failedAttempts: 3,
      lockedUntil: '2026-05-07T10:15:10.000Z',
    };
    expect(totpCredentialSchema.parse({ ...resource, encryptedSecret: 'x' })).toStrictEqual(resource);
    expect(() => totpCredentialSchema.parse({ ...resource, status: 'DELETED' })).toThrow();
  });
});
