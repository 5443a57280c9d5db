import { addIsoDuration, conflict, forbidden, invalid, locked, notFound } from '@identity-store/contracts';
import {
  type ChallengeSession,
  type DecoySession,
  findByPolicy,
  isExpired,
  isLocked,
  PasscodeAuthenticationFailed,
  PasscodeAuthenticationStarted,
  PasscodeAuthenticationSucceeded,
  PasscodeDecoyAuthenticationFailed,
  PasscodeDecoyAuthenticationStarted,
  type PasscodeEvent,
  PasscodeLocked,
  PasscodeRenewalStarted,
  PasscodeRenewed,
  type PasscodeSession,
  passcodeSessions,
  type PasscodeState,
  type PasscodeUserState,
} from './passcode';
import type { PasscodeCiphertexts } from './passcode-registration-decider';
import {
  type CompleteCeremony,
  evictionsBeforeStart,
  expiresAt,
  paramsOf,
  parseClientValues,
  type PasscodePolicyParameters,
  requirePolicy,
  sessionRequestOf,
  type StartCeremony,
} from './passcode-sessions';

/*
 * Ceremonies that prove the passcode: authentication, and renewal (which proves the current
 * passcode and replaces its salt and verifier). The handler's SRP work (srp-proof.ts) comes in with
 * the command: the challenge of a start, the verdict on a client proof. A failed proof counts
 * towards the lockout whichever ceremony it came from. An authentication start for a policy without
 * a passcode starts a decoy, whose completion fails like a wrong proof and counts nothing.
 */

/** The server's SRP challenge of a start, made by the handler: B, and its secret b encrypted. */
export interface SrpChallenge {
  B: string;
  encryptedB: string;
}

/**
 * The handler's check of a client proof (srp-proof.ts) for one session: accepted (with the server
 * proof M2 for the client), refused, or not a proof at all (a malformed value: 400, not an attempt).
 */
export type SrpProofVerdict =
  | { sessionId: string; ok: true; M2: string }
  | { sessionId: string; ok: false }
  | { sessionId: string; malformed: { field: string; message: string } };

export interface StartPasscodeAuthentication extends StartCeremony {
  type: 'StartPasscodeAuthentication';
  /** Absent when the handler had nothing to challenge (never for a decoy). */
  challenge?: SrpChallenge;
}

export interface CompletePasscodeAuthentication extends CompleteCeremony {
  type: 'CompletePasscodeAuthentication';
  /** SRP identity I: the user's internal id. */
  identity: string;
  authenticationId: string;
  A: string;
  M1: string;
  /** Absent when the handler found no session to check the proof against. */
  proof?: SrpProofVerdict;
  context?: Record<string, unknown>;
}

export interface StartPasscodeRenewal extends StartCeremony {
  type: 'StartPasscodeRenewal';
  challenge?: SrpChallenge;
}

export interface CompletePasscodeRenewal extends CompleteCeremony {
  type: 'CompletePasscodeRenewal';
  identity: string;
  authenticationId: string;
  A: string;
  M1: string;
  proof?: SrpProofVerdict;
  /** The new passcode's salt and verifier, as sent and encrypted (absent: no renewal session found). */
  salt: string;
  verifier: string;
  ciphertexts?: PasscodeCiphertexts;
}

/** The passcode may prove itself now: ACTIVE, not locked, not expired. Otherwise nothing changes. */
const requireUsable = (passcode: PasscodeState, now: Date): void => {
  if (passcode.status === 'SUSPENDED')
    throw forbidden('PASSCODE_SUSPENDED', `The passcode for policy ${passcode.policyName} is suspended`);
  if (passcode.status === 'REVOKED')
    throw forbidden('PASSCODE_REVOKED', `The passcode for policy ${passcode.policyName} is revoked`);
  if (isLocked(passcode, now))
    throw locked(
      'PASSCODE_LOCKED',
      `The passcode for policy ${passcode.policyName} is locked until ${passcode.lockedUntil}`,
    );
  if (isExpired(passcode, now))
    throw invalid(
      'PASSCODE_EXPIRED',
      `The passcode for policy ${passcode.policyName} expired at ${passcode.expirationDtm}`,
    );
};

/** With a renewal window, renewal opens `renewalWindow` before expiry. */
const requireRenewalOpen = (passcode: PasscodeState, policy: PasscodePolicyParameters, now: Date): void => {
  if (passcode.expirationDtm === null || policy.renewalWindow === null) return;
  if (addIsoDuration(now, policy.renewalWindow).getTime() < Date.parse(passcode.expirationDtm))
    throw conflict(
      'PASSCODE_RENEWAL_NOT_OPEN',
      `The passcode for policy ${passcode.policyName} can be renewed from ${policy.renewalWindow} before it expires at ${passcode.expirationDtm}`,
    );
};

export const startChallenge = (
  command: StartPasscodeAuthentication | StartPasscodeRenewal,
  state: PasscodeUserState,
): PasscodeEvent[] => {
  const { policy, sessionId } = command;
  const { now } = command.metadata;
  const renewal = command.type === 'StartPasscodeRenewal';
  const passcode = findByPolicy(state, policy.name);
  if (!passcode && !renewal) return [...evictionsBeforeStart(state, now), ...startDecoy(command)];
  if (!passcode) throw notFound('PASSCODE_NOT_FOUND', `No passcode registered for policy ${policy.name}`);
  requireUsable(passcode, now);
  if (renewal) requireRenewalOpen(passcode, policy, now);
  const { B, encryptedB } = challengeOf(command);
  const data = {
    sessionId,
    storeId: command.storeId,
    passcodeId: passcode.id,
    policyName: passcode.policyName,
    B,
    encryptedB,
    expiresDtm: expiresAt(now),
    at: now.toISOString(),
  };
  return [
    ...evictionsBeforeStart(state, now),
    renewal
      ? PasscodeRenewalStarted.create({ ...data, newKdf: policy.kdf ?? null })
      : PasscodeAuthenticationStarted.create(data),
  ];
};

/**
 * A challenge for a passcode that does not exist: B from the decoy verifier and a fresh b (one
 * exponentiation, as for a real start), in the policy's group and hash.
 */
const startDecoy = (command: StartPasscodeAuthentication): PasscodeEvent[] => {
  const { policy, sessionId } = command;
  const { now } = command.metadata;
  const { B, encryptedB } = challengeOf(command);
  return [
    PasscodeDecoyAuthenticationStarted.create({
      sessionId,
      storeId: command.storeId,
      policyName: policy.name,
      srpGroup: policy.srpGroup,
      hash: policy.hash,
      B,
      encryptedB,
      expiresDtm: expiresAt(now),
      at: now.toISOString(),
    }),
  ];
};

/**
 * Completing a decoy: the same checks of the request as for a real session (policy, malformed
 * values: 400) and the same SRP work, then a failure whatever the proof (nobody knows a password
 * behind the decoy verifier; its result is not even looked at).
 */
const completeDecoy = (command: CompletePasscodeAuthentication, session: DecoySession): PasscodeEvent[] => {
  requirePolicy(command, session.policyName);
  parseClientValues(paramsOf(session), { A: command.A, M1: command.M1 });
  proofOf(command, session); // its malformed values are a 400 as for a real session; the rest is not looked at
  return [
    PasscodeDecoyAuthenticationFailed.create({
      sessionId: session.id,
      authenticationId: command.authenticationId,
      policyName: session.policyName,
      srpGroup: session.srpGroup,
      hash: session.hash,
      reason: 'PASSCODE_NOT_FOUND',
      at: command.metadata.now.toISOString(),
      ...(command.context !== undefined ? { context: command.context } : {}),
    }),
  ];
};

/** Passcode and policy of a challenge completion's session, all checked before the proof is. */
const challengeContext = (
  command: CompletePasscodeAuthentication | CompletePasscodeRenewal,
  state: PasscodeUserState,
  session: ChallengeSession,
) => {
  // Deregistration and renewal close the passcode's sessions, so the passcode is the one challenged.
  const passcode = state.passcodes[session.passcodeId];
  if (!passcode)
    throw notFound('PASSCODE_SESSION_NOT_FOUND', `Passcode session ${session.id} does not exist`);
  const policy = requirePolicy(command, passcode.policyName);
  requireUsable(passcode, command.metadata.now);
  return { session, passcode, policy, params: paramsOf(passcode) };
};

/**
 * The handler's verdict on the client proof of this session. A ≡ 0 (mod N) and other malformed
 * values are a 400, not a failed attempt: they are not a guess at the passcode.
 */
const proofOf = (command: CompletePasscodeAuthentication | CompletePasscodeRenewal, session: PasscodeSession) => {
  const { proof } = command;
  if (proof?.sessionId !== session.id)
    throw new Error(`${command.type} carries no verdict on a proof for passcode session ${session.id}`);
  if ('malformed' in proof) {
    const { field, message } = proof.malformed;
    throw invalid('INVALID_SRP_VALUE', message, [{ path: `body.${field}`, message }]);
  }
  return proof;
};

const renewedCiphertextsOf = (command: CompletePasscodeRenewal): PasscodeCiphertexts => {
  if (!command.ciphertexts) throw new Error(`${command.type} carries no ciphertexts for session ${command.sessionId}`);
  return command.ciphertexts;
};

/** The handler's challenge of a start (it makes one for every start that can be challenged). */
const challengeOf = (command: StartPasscodeAuthentication | StartPasscodeRenewal): SrpChallenge => {
  if (!command.challenge) throw new Error(`${command.type} carries no challenge for session ${command.sessionId}`);
  return command.challenge;
};

/** The outcome events of a checked proof: success, or failure (and the lock it may trigger). */
const proofChecked = (
  command: CompletePasscodeAuthentication | CompletePasscodeRenewal,
  { session, passcode, policy }: ReturnType<typeof challengeContext>,
  ok: boolean,
): PasscodeEvent[] => {
  const { authenticationId } = command;
  const { now } = command.metadata;
  const at = now.toISOString();
  const context = command.type === 'CompletePasscodeAuthentication' ? command.context : undefined;
  const common = {
    sessionId: session.id,
    passcodeId: passcode.id,
    authenticationId,
    ceremony: session.kind,
    policyName: passcode.policyName,
    srpGroup: passcode.srpGroup,
    hash: passcode.hash,
    status: passcode.status,
    expirationDtm: passcode.expirationDtm,
    at,
    ...(context !== undefined ? { context } : {}),
  };
  if (ok) return [PasscodeAuthenticationSucceeded.create({ ...common, failedAttempts: 0, locked: false })];
  const failedAttempts = passcode.failedAttempts + 1;
  const locks = policy.maxFailedAttempts > 0 && failedAttempts >= policy.maxFailedAttempts;
  return [
    PasscodeAuthenticationFailed.create({
      ...common,
      reason: 'INVALID_PROOF',
      failedAttempts,
      locked: locks,
    }),
    ...(locks
      ? [
          PasscodeLocked.create({
            passcodeId: passcode.id,
            lockedUntil: addIsoDuration(now, policy.lockoutDuration).toISOString(),
            at,
          }),
        ]
      : []),
  ];
};

export const completeAuthentication = (command: CompletePasscodeAuthentication, state: PasscodeUserState): PasscodeEvent[] => {
  // A decoy is completed on the same path as an authentication.
  const session = passcodeSessions.require(state, sessionRequestOf(command), 'AUTHENTICATION', 'DECOY');
  if (session.kind === 'DECOY') return completeDecoy(command, session);
  const challenged = challengeContext(command, state, session);
  parseClientValues(challenged.params, { A: command.A, M1: command.M1 });
  return proofChecked(command, challenged, proofOf(command, session).ok);
};

/**
 * Renewal proves the current passcode (counted like an authentication) and replaces salt and
 * verifier; the group and hash stay the passcode's, the validity restarts. The new values are
 * checked before the proof, so a malformed request changes nothing.
 */
export const completeRenewal = (command: CompletePasscodeRenewal, state: PasscodeUserState): PasscodeEvent[] => {
  const challenged = challengeContext(command, state, passcodeSessions.require(state, sessionRequestOf(command), 'RENEWAL'));
  const { passcode, policy, params, session } = challenged;
  const { now } = command.metadata;
  requireRenewalOpen(passcode, policy, now);
  parseClientValues(params, { A: command.A, M1: command.M1, salt: command.salt, verifier: command.verifier });
  const proof = proofOf(command, session);
  const checked = proofChecked(command, challenged, proof.ok);
  if (!proof.ok) return checked;
  return [
    ...checked,
    PasscodeRenewed.create({
      sessionId: session.id,
      passcodeId: passcode.id,
      authenticationId: command.authenticationId,
      ...renewedCiphertextsOf(command),
      expirationDtm: policy.validity === null ? null : addIsoDuration(now, policy.validity).toISOString(),
      // The KDF the client was told at the start to compute the new verifier with.
      kdf: session.newKdf ?? null,
      at: now.toISOString(),
    }),
  ];
};
