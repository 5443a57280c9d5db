import type { TotpCredential } from '@identity-store/contracts';
import { isLocked, type TotpCredentialState, type TotpUserState } from './totp';

/** The API representation; status LOCKED while an ACTIVE credential's lock runs. Never the secret. */
export const toTotpResource = (credential: TotpCredentialState, now: Date): TotpCredential => ({
  id: credential.id,
  policyName: credential.policyName,
  status: credential.status === 'ACTIVE' && isLocked(credential, now) ? 'LOCKED' : credential.status,
  algorithm: credential.algorithm,
  digits: credential.digits,
  period: credential.period,
  createdDtm: credential.createdDtm,
  lastUsedDtm: credential.lastUsedDtm,
  failedAttempts: credential.failedAttempts,
  lockedUntil: credential.lockedUntil,
});

/** All of the user's credentials as API resources, oldest first. */
export const listTotpResources = (state: TotpUserState, now: Date): TotpCredential[] =>
  Object.values(state.credentials)
    .sort((a, b) => a.createdDtm.localeCompare(b.createdDtm) || a.id.localeCompare(b.id))
    .map((c) => toTotpResource(c, now));

export { findByPolicy } from './totp';
