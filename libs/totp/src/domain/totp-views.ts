import { statusAt, type TotpCredential } from '@identity-store/contracts';
import type { TotpCredentialState, TotpUserState } from './totp';

/** The API representation; status LOCKED while an ACTIVE credential's lock runs. Never the secret. */
export const toTotpResource = (credential: TotpCredentialState, now: Date): TotpCredential => ({
  id: credential.id,
  policyName: credential.policyName,
  status: statusAt(credential.status, credential.lockedUntil, now),
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
