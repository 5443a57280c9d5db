import { addIsoDuration, conflict, ownEntry } from '@identity-store/contracts';
import {
  findByPolicy,
  isExpired,
  PasscodeDeregistered,
  type PasscodeEvent,
  PasscodeRegistrationCompleted,
  PasscodeRegistrationStarted,
  passcodeSessions,
  type PasscodeUserState,
} from './passcode';
import {
  type CompleteCeremony,
  evictionsBeforeStart,
  expiresAt,
  paramsOf,
  parseClientValues,
  requirePolicy,
  sessionRequestOf,
  type StartCeremony,
} from './passcode-sessions';

/*
 * Registration ceremonies: a start opens a session in the policy's group, hash and KDF; the
 * completion stores the client's salt and verifier as the handler's ciphertexts. At most one
 * passcode per policy: a SUSPENDED or an ACTIVE unexpired one blocks a registration, a REVOKED or
 * expired one is replaced by it.
 */

/** A new salt and verifier, encrypted by the handler for the passcode they belong to. */
export interface PasscodeCiphertexts {
  encryptedSalt: string;
  encryptedVerifier: string;
}

export interface StartPasscodeRegistration extends StartCeremony {
  type: 'StartPasscodeRegistration';
}

export interface CompletePasscodeRegistration extends CompleteCeremony {
  type: 'CompletePasscodeRegistration';
  passcodeId: string;
  /** As the client sent them (checked against the session's group), and encrypted. */
  salt: string;
  verifier: string;
  ciphertexts: PasscodeCiphertexts;
}

/** A passcode that exists for the policy and blocks another registration of it. */
const blockingRegistration = (state: PasscodeUserState, policyName: string, now: Date) => {
  const existing = findByPolicy(state, policyName);
  if (!existing) return { existing };
  const replaceable =
    existing.status === 'REVOKED' || (existing.status === 'ACTIVE' && isExpired(existing, now));
  if (!replaceable)
    throw conflict(
      'PASSCODE_ALREADY_REGISTERED',
      `A passcode is already registered for policy ${policyName}`,
    );
  return { existing };
};

export const startRegistration = (command: StartPasscodeRegistration, state: PasscodeUserState): PasscodeEvent[] => {
  const { policy } = command;
  const { now } = command.metadata;
  blockingRegistration(state, policy.name, now);
  return [
    ...evictionsBeforeStart(state, now),
    PasscodeRegistrationStarted.create({
      sessionId: command.sessionId,
      storeId: command.storeId,
      policyName: policy.name,
      srpGroup: policy.srpGroup,
      hash: policy.hash,
      kdf: policy.kdf ?? null,
      expiresDtm: expiresAt(now),
      at: now.toISOString(),
    }),
  ];
};

export const completeRegistration = (
  command: CompletePasscodeRegistration,
  state: PasscodeUserState,
): PasscodeEvent[] => {
  const { passcodeId } = command;
  const { now } = command.metadata;
  const session = passcodeSessions.require(state, sessionRequestOf(command), 'REGISTRATION');
  const policy = requirePolicy(command, session.policyName);
  parseClientValues(paramsOf(session), { salt: command.salt, verifier: command.verifier });
  // Checked again: a concurrent registration of the policy may have completed since the start.
  const { existing } = blockingRegistration(state, session.policyName, now);
  if (ownEntry(state.passcodes, passcodeId))
    throw conflict('PASSCODE_ALREADY_REGISTERED', `Passcode ${passcodeId} already exists`);
  const at = now.toISOString();
  return [
    ...(existing ? [PasscodeDeregistered.create({ passcodeId: existing.id, reason: 'REPLACED', at })] : []),
    PasscodeRegistrationCompleted.create({
      sessionId: session.id,
      passcodeId,
      policyName: session.policyName,
      srpGroup: session.srpGroup,
      hash: session.hash,
      kdf: session.kdf,
      ...command.ciphertexts,
      createdDtm: at,
      expirationDtm: policy.validity === null ? null : addIsoDuration(now, policy.validity).toISOString(),
    }),
  ];
};
