import { conflict, notFound, ownEntry, type PasscodeStatus } from '@identity-store/contracts';
import {
  evolvePasscode,
  findByPolicy,
  initialPasscodeUserState,
  PasscodeDeregistered,
  type PasscodeEvent,
  PasscodeExpirationChanged,
  type PasscodeState,
  PasscodeStatusChanged,
  type PasscodeUserState,
} from './passcode';
import {
  type CompletePasscodeAuthentication,
  type CompletePasscodeRenewal,
  completeAuthentication,
  completeRenewal,
  type StartPasscodeAuthentication,
  type StartPasscodeRenewal,
  startChallenge,
} from './passcode-authentication-decider';
import {
  type CompletePasscodeRegistration,
  completeRegistration,
  type StartPasscodeRegistration,
  startRegistration,
} from './passcode-registration-decider';
import type { PasscodeCommandMetadata } from './passcode-sessions';
import { toPasscodeResource } from './passcode-views';

/**
 * The passcode aggregate's decisions: `decidePasscode(command, state) → events` on the state of
 * passcode.ts. Pure: the clock (`metadata.now`) and ids come in with the commands, and so do the
 * results of the handler's SRP work (srp-proof.ts): the challenge of a start, the verdict on a
 * client proof, the ciphertexts of a new salt and verifier. Nothing here does I/O or crypto.
 * Ceremonies are decided in passcode-registration-decider.ts and
 * passcode-authentication-decider.ts, on the sessions of passcode-sessions.ts; administration here.
 *
 * Invariants and rules (README "Passcodes" documents them for clients):
 * - At most one passcode per policy. A registration is refused (409) while the policy's passcode is
 *   SUSPENDED, or ACTIVE and not expired; a REVOKED or expired one is replaced by the new one.
 * - Sessions (registration, authentication, renewal) are single-use, expire after
 *   {@link PASSCODE_SESSION_TTL}, and belong to the store they were started in (another store: 404).
 *   A completed ceremony — success or failed proof — consumes its session; a rejected request
 *   (malformed values, locked, expired passcode) changes nothing and leaves it open. Expired sessions
 *   are answered 410 until the session sweeper closes them ({@link expirePasscodeSessions}) or the
 *   user's next ceremony start prunes them (then 404).
 * - At most {@link MAX_OPEN_SESSIONS} open sessions per user (decoys included): a start beyond it
 *   evicts the oldest open ones in the same append (PasscodeSessionsExpired, EVICTED), so the state
 *   stays small.
 * - Lockout as for TOTP: each failed proof (authentication or renewal) increments `failedAttempts`;
 *   the failure reaching `maxFailedAttempts` locks until `now + lockoutDuration` (423). Only a
 *   success or an administrator setting ACTIVE resets the counter, so after a lock expires one more
 *   failure locks again.
 * - Expiry: `expirationDtm = completion + policy.validity` (null: never). From then on the passcode
 *   neither authenticates nor renews (400 PASSCODE_EXPIRED); a new registration replaces it.
 * - Renewal (a new salt and verifier, proving the current passcode) is allowed for an ACTIVE,
 *   unlocked, unexpired passcode; with a policy `renewalWindow` only from `expirationDtm −
 *   renewalWindow` on (earlier: 409 PASSCODE_RENEWAL_NOT_OPEN). It restarts the validity.
 * - SUSPENDED and REVOKED passcodes cannot authenticate or renew (403). REVOKED is final.
 * - Key stretching: a passcode keeps the KDF its verifier was computed with (the policy's when the
 *   registration or renewal started), so a later policy change does not break it.
 * - Decoys: an authentication start for a policy under which the user has no passcode answers with
 *   a challenge like a real one (a deterministic fake salt, a fake verifier behind B, the policy's
 *   group, hash and KDF), and its completion fails like a wrong proof. Nothing is counted (there is
 *   no credential); the events say what happened.
 */

export interface DeregisterPasscode {
  type: 'DeregisterPasscode';
  policyName: string;
  metadata: PasscodeCommandMetadata;
}

export interface UpdatePasscode {
  type: 'UpdatePasscode';
  passcodeId: string;
  status?: PasscodeStatus;
  /** null: never expires; undefined: unchanged. */
  expirationDtm?: string | null;
  metadata: PasscodeCommandMetadata;
}

export interface DeletePasscode {
  type: 'DeletePasscode';
  passcodeId: string;
  metadata: PasscodeCommandMetadata;
}

export type PasscodeCommand =
  | StartPasscodeRegistration
  | CompletePasscodeRegistration
  | StartPasscodeAuthentication
  | CompletePasscodeAuthentication
  | StartPasscodeRenewal
  | CompletePasscodeRenewal
  | DeregisterPasscode
  | UpdatePasscode
  | DeletePasscode;

export const decidePasscode = (command: PasscodeCommand, state: PasscodeUserState): PasscodeEvent[] => {
  switch (command.type) {
    case 'StartPasscodeRegistration':
      return startRegistration(command, state);
    case 'CompletePasscodeRegistration':
      return completeRegistration(command, state);
    case 'StartPasscodeAuthentication':
    case 'StartPasscodeRenewal':
      return startChallenge(command, state);
    case 'CompletePasscodeAuthentication':
      return completeAuthentication(command, state);
    case 'CompletePasscodeRenewal':
      return completeRenewal(command, state);
    case 'DeregisterPasscode':
      return deregister(command, state);
    case 'UpdatePasscode':
      return update(command, state);
    case 'DeletePasscode':
      return remove(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`Unknown passcode command: ${(unknown as { type: string }).type}`);
    }
  }
};

export const passcodeDecider = { decide: decidePasscode, evolve: evolvePasscode, initialState: initialPasscodeUserState };

const deregister = (command: DeregisterPasscode, state: PasscodeUserState): PasscodeEvent[] => {
  const passcode = findByPolicy(state, command.policyName);
  if (!passcode)
    throw notFound('PASSCODE_NOT_FOUND', `No passcode registered for policy ${command.policyName}`);
  return [
    PasscodeDeregistered.create({
      passcodeId: passcode.id,
      reason: 'DEREGISTERED',
      at: command.metadata.now.toISOString(),
    }),
  ];
};

const getPasscode = (state: PasscodeUserState, passcodeId: string): PasscodeState => {
  const passcode = ownEntry(state.passcodes, passcodeId);
  if (!passcode) throw notFound('PASSCODE_NOT_FOUND', `Passcode ${passcodeId} not found`);
  return passcode;
};

/**
 * Administrative change of status and/or expiration. REVOKED is final (409 on any change).
 * Setting ACTIVE on a LOCKED passcode unlocks it (the API shows LOCKED, so an administrator setting
 * ACTIVE expects ACTIVE). Setting what the API already shows is a no-op (no events).
 */
const update = (command: UpdatePasscode, state: PasscodeUserState): PasscodeEvent[] => {
  const passcode = getPasscode(state, command.passcodeId);
  if (passcode.status === 'REVOKED') throw conflict('PASSCODE_REVOKED', `Passcode ${passcode.id} is revoked`);
  const at = command.metadata.now.toISOString();
  const events: PasscodeEvent[] = [];
  if (command.status !== undefined && command.status !== toPasscodeResource(passcode, command.metadata.now).status)
    events.push(PasscodeStatusChanged.create({ passcodeId: passcode.id, status: command.status, at }));
  if (command.expirationDtm !== undefined) {
    const expirationDtm =
      command.expirationDtm === null ? null : new Date(command.expirationDtm).toISOString();
    if (expirationDtm !== passcode.expirationDtm)
      events.push(PasscodeExpirationChanged.create({ passcodeId: passcode.id, expirationDtm, at }));
  }
  return events;
};

const remove = (command: DeletePasscode, state: PasscodeUserState): PasscodeEvent[] => {
  const passcode = getPasscode(state, command.passcodeId);
  return [
    PasscodeDeregistered.create({
      passcodeId: passcode.id,
      reason: 'DELETED',
      at: command.metadata.now.toISOString(),
    }),
  ];
};
