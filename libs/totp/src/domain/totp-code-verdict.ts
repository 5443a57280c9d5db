import { isLocked, type TotpCredentialState } from './totp';
import { matchTotp } from './totp-code';

/**
 * The handler's check of a presented TOTP code (RFC 6238, totp-code.ts), whose verdict goes into
 * the command: the decider gets the fact, not the key. Replays are the decider's (they depend on
 * the state's last used time step), so a matched code is not yet an accepted one.
 */
export type TotpCodeVerdict =
  | { credentialId: string; matched: true; timeStep: number }
  | { credentialId: string; matched: false; reason: 'INVALID_CODE' };

/** What the code is presented for: completing a PENDING registration or authenticating. */
export type TotpCodePurpose = 'COMPLETION' | 'AUTHENTICATION';

/**
 * A code is checked only for a credential that can use it: a PENDING one (completion) or an ACTIVE,
 * unlocked one (authentication). The others are refused before any code matters, and their secret
 * is not decrypted.
 */
const canUseCode = (credential: TotpCredentialState, purpose: TotpCodePurpose, now: Date) =>
  purpose === 'COMPLETION'
    ? credential.status === 'PENDING'
    : credential.status === 'ACTIVE' && !isLocked(credential, now);

/**
 * The verdict on `code` for `credential` at `now`, or none when the credential is absent or cannot
 * use a code. `decryptSecret` turns the credential's `encryptedSecret` into the shared secret.
 */
export const totpCodeVerdict = (
  credential: TotpCredentialState | undefined,
  { code, purpose, now }: { code: string; purpose: TotpCodePurpose; now: Date },
  decryptSecret: (encrypted: string, credentialId: string) => Uint8Array,
): TotpCodeVerdict | undefined => {
  if (!credential || !canUseCode(credential, purpose, now)) return undefined;
  const timeStep = matchTotp({
    secret: decryptSecret(credential.encryptedSecret, credential.id),
    algorithm: credential.algorithm,
    digits: credential.digits,
    period: credential.period,
    window: credential.window,
    code,
    timestampMs: now.getTime(),
  });
  return timeStep === null
    ? { credentialId: credential.id, matched: false, reason: 'INVALID_CODE' }
    : { credentialId: credential.id, matched: true, timeStep };
};
