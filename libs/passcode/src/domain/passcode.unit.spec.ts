import { passcodeIntegrationEvents } from '@identity-store/contracts';
import {
  PasscodeAuthenticationFailed,
  PasscodeAuthenticationStarted,
  type PasscodeEvent,
  PasscodeRegistrationCompleted,
  PasscodeRenewed,
  parsePasscodeEvent,
  toPasscodeIntegrationEvent,
} from './passcode';

const at = '2026-05-07T10:00:00.000Z';

const completed = PasscodeRegistrationCompleted.create({
  sessionId: 'session-1',
  passcodeId: 'p1',
  policyName: 'default',
  srpGroup: 2048,
  hash: 'SHA-256',
  encryptedSalt: 'v1.iv.SALT-CIPHERTEXT',
  encryptedVerifier: 'v1.iv.VERIFIER-CIPHERTEXT',
  createdDtm: at,
  expirationDtm: null,
});

describe('passcode stored events', () => {
  it('validate their data', () => {
    expect(() =>
      PasscodeRegistrationCompleted.create({ ...completed.data, srpGroup: 1024 as 2048 }),
    ).toThrow();
    expect(() =>
      PasscodeRegistrationCompleted.create({ ...completed.data, hash: 'SHA-1' as 'SHA-256' }),
    ).toThrow();
    expect(() =>
      PasscodeAuthenticationStarted.create({
        sessionId: 's',
        storeId: 'store',
        passcodeId: 'p1',
        policyName: 'default',
        B: 'ABCD', // not lowercase hex
        encryptedB: 'x',
        expiresDtm: at,
        at,
      }),
    ).toThrow();
    expect(() =>
      PasscodeAuthenticationFailed.create({
        sessionId: 's',
        passcodeId: 'p1',
        authenticationId: 'a',
        ceremony: 'AUTHENTICATION',
        policyName: 'default',
        srpGroup: 2048,
        hash: 'SHA-256',
        status: 'ACTIVE',
        expirationDtm: null,
        failedAttempts: 0, // a failure is at least the first one
        locked: false,
        reason: 'INVALID_PROOF',
        at,
      }),
    ).toThrow();
  });

  it('parse raw stored events and refuse unknown types', () => {
    expect(
      parsePasscodeEvent({ type: completed.type, data: JSON.parse(JSON.stringify(completed.data)) }),
    ).toEqual(completed);
    expect(() => parsePasscodeEvent({ type: 'PasscodeSomethingElse', data: {} })).toThrow(
      /Unknown passcode event type/,
    );
  });
});

describe('passcode integration events', () => {
  it('drop ciphertexts and the session id', () => {
    expect(toPasscodeIntegrationEvent(completed)).toEqual({
      type: 'PasscodeRegistrationCompleted',
      version: passcodeIntegrationEvents.PasscodeRegistrationCompleted.version,
      data: {
        passcodeId: 'p1',
        policyName: 'default',
        srpGroup: 2048,
        hash: 'SHA-256',
        createdDtm: at,
        expirationDtm: null,
      },
    });
    const renewed = PasscodeRenewed.create({
      sessionId: 'session-2',
      passcodeId: 'p1',
      authenticationId: 'a1',
      encryptedSalt: 'v1.iv.NEW-SALT',
      encryptedVerifier: 'v1.iv.NEW-VERIFIER',
      expirationDtm: at,
      at,
    });
    expect(JSON.stringify(toPasscodeIntegrationEvent(renewed))).not.toMatch(
      /encrypted|CIPHERTEXT|NEW-|session/,
    );
  });

  it('do not leak fields smuggled into the stored data', () => {
    const tampered = {
      ...completed,
      data: { ...completed.data, verifier: 'abcd', salt: 'ef01' },
    } as PasscodeEvent;
    const data = toPasscodeIntegrationEvent(tampered).data;
    expect(data).not.toHaveProperty('verifier');
    expect(data).not.toHaveProperty('salt');
  });
});
