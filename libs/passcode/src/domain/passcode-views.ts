import { type PasscodeResource, statusAt } from '@identity-store/contracts';
import type { PasscodeState, PasscodeUserState } from './passcode';

/** The API representation; LOCKED while an ACTIVE passcode's lock runs. Never the salt or verifier. */
export const toPasscodeResource = (passcode: PasscodeState, now: Date): PasscodeResource => ({
  id: passcode.id,
  policyName: passcode.policyName,
  status: statusAt(passcode.status, passcode.lockedUntil, now),
  protocol: 'SRP',
  srpGroup: passcode.srpGroup,
  hash: passcode.hash,
  createdDtm: passcode.createdDtm,
  lastUsedDtm: passcode.lastUsedDtm,
  expirationDtm: passcode.expirationDtm,
  failedAttempts: passcode.failedAttempts,
  lockedUntil: passcode.lockedUntil,
  kdf: passcode.kdf,
});

/** All of the user's passcodes as API resources, oldest first. */
export const listPasscodeResources = (state: PasscodeUserState, now: Date): PasscodeResource[] =>
  Object.values(state.passcodes)
    .sort((a, b) => a.createdDtm.localeCompare(b.createdDtm) || a.id.localeCompare(b.id))
    .map((p) => toPasscodeResource(p, now));

export { findByPolicy } from './passcode';
