import {
  addIsoDuration,
  conflict,
  type FieldError,
  forbidden,
  invalid,
  locked,
  notFound,
  PasscodeAuthenticationFailed,
  PasscodeAuthenticationStarted,
  PasscodeAuthenticationSucceeded,
  type PasscodeCeremony,
  PasscodeDecoyAuthenticationFailed,
  PasscodeDecoyAuthenticationStarted,
  PasscodeDeregistered,
  type PasscodeEvent,
  PasscodeExpirationChanged,
  type PasscodeKdf,
  PasscodeLocked,
  PasscodeRegistrationCompleted,
  PasscodeRegistrationStarted,
  PasscodeRenewalStarted,
  PasscodeRenewed,
  type PasscodeResource,
  PasscodeSessionsExpired,
  type PasscodeStatus,
  PasscodeStatusChanged,
  type SrpGroup,
  type SrpHash,
  ownEntry,
} from '@identity-store/contracts';
import { requirePolicy as requireNamedPolicy } from '@identity-store/credential-kit';
import { parseSrpHex, SrpInputError, type SrpParameters, srpParameters } from '@identity-store/srp';
import {
  type ChallengeSession,
  type DecoySession,
  evolvePasscode,
  findByPolicy,
  initialPasscodeUserState,
  isExpired,
  isLocked,
  PASSCODE_SESSION_TTL,
  type PasscodeSession,
  passcodeSessions,
  type PasscodeState,
  type PasscodeUserState,
} from './passcode';
import { toPasscodeResource } from './passcode-views';

/**
 * The passcode aggregate's decisions: `decide(command, state) → events` on the state of
 * passcode.ts (whose header lists the rules). Pure: the clock (`metadata.now`) and ids come in
 * with the commands, and so do the results of the handler's SRP work (srp-proof.ts): the
 * challenge of a start, the verdict on a client proof, the ciphertexts of a new salt and verifier.
 * Nothing here does I/O or crypto. Over 400 lines: registration, authentication and renewal share
 * the session, usability and lockout checks below, which a split would scatter over three files.
 */

/** The parts of a store's PasscodePolicy the domain needs (`clientRules` are for the client). */
export interface PasscodePolicyParameters {
  name: string;
  srpGroup: SrpGroup;
  hash: SrpHash;
  /** ISO-8601 duration, or null: passcodes never expire. */
  validity: string | null;
  /** ISO-8601 duration before expiry from which renewal is allowed; null: any time before expiry. */
  renewalWindow: string | null;
  maxFailedAttempts: number;
  lockoutDuration: string;
  /** The KDF new verifiers are computed with; null or absent (a policy stored before KDFs): plain RFC 5054. */
  kdf?: PasscodeKdf | null;
}

/** When the command is decided (the handler's clock; a retry on a concurrent write keeps it). */
export interface PasscodeCommandMetadata {
  now: Date;
}

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

/** A new salt and verifier, encrypted by the handler for the passcode they belong to. */
export interface PasscodeCiphertexts {
  encryptedSalt: string;
  encryptedVerifier: string;
}

/** Where a ceremony is started: the policy, the new session's id and the store it belongs to. */
interface StartCeremony {
  policy: PasscodePolicyParameters;
  sessionId: string;
  storeId: string;
  metadata: PasscodeCommandMetadata;
}

/** Completing a ceremony: the session, the store it is completed through and the store's policies. */
interface CompleteCeremony {
  sessionId: string;
  storeId: string;
  policies: Record<string, PasscodePolicyParameters>;
  metadata: PasscodeCommandMetadata;
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


const sessionsExpired = (reason: 'EXPIRED' | 'EVICTED', sessions: PasscodeSession[], now: Date) =>
  PasscodeSessionsExpired.create({
    reason,
    sessions: sessions.map((s) => ({ sessionId: s.id, kind: s.kind, expiresDtm: s.expiresDtm })),
    at: now.toISOString(),
  });

/**
 * The session sweeper's decision: closes the sessions that have expired at `now` (their keys are
 * released with it). Nothing when none has.
 */
export const expirePasscodeSessions = (state: PasscodeUserState, now: Date): PasscodeEvent[] => {
  const expired = passcodeSessions.expired(state, now);
  return expired.length ? [sessionsExpired('EXPIRED', expired, now)] : [];
};

/** Before a start: evicts the oldest open sessions so that the new one fits under the cap. */
const evictionsBeforeStart = (state: PasscodeUserState, now: Date): PasscodeEvent[] => {
  const evicted = passcodeSessions.evictedBeforeStart(state, now);
  return evicted.length ? [sessionsExpired('EVICTED', evicted, now)] : [];
};

// ---------------------------------------------------------------------------------------------
// Decide
// ---------------------------------------------------------------------------------------------

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

const expiresAt = (now: Date) => addIsoDuration(now, PASSCODE_SESSION_TTL).toISOString();

const paramsOf = (passcode: { srpGroup: SrpGroup; hash: SrpHash }) =>
  srpParameters(passcode.srpGroup, passcode.hash);

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

const startRegistration = (command: StartPasscodeRegistration, state: PasscodeUserState): PasscodeEvent[] => {
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

/** What a completion asks of the sessions: this session, through this store, now. */
const sessionRequestOf = ({ sessionId, storeId, metadata }: CompleteCeremony) => ({ sessionId, storeId, now: metadata.now });

const requirePolicy = (command: CompleteCeremony, policyName: string) =>
  requireNamedPolicy(command.policies, policyName, `Passcode policy ${policyName} does not exist`);

/**
 * Decodes client SRP values for the session's group, naming every bad one (`body.<field>`, as the
 * request validation does) in one 400. Nothing is stored for a request that fails here.
 */
const parseClientValues = <F extends 'A' | 'M1' | 'salt' | 'verifier'>(
  params: SrpParameters,
  values: Record<F, string>,
): void => {
  const errors: FieldError[] = [];
  for (const [field, hex] of Object.entries(values) as [F, string][]) {
    try {
      parseSrpHex(field, hex, params);
    } catch (error) {
      if (!(error instanceof SrpInputError)) throw error;
      errors.push({ path: `body.${field}`, message: error.message });
    }
  }
  if (errors.length)
    throw invalid(
      'INVALID_SRP_VALUE',
      `${errors.length} SRP value(s) do not fit the session's group`,
      errors,
    );
};

const completeRegistration = (command: CompletePasscodeRegistration, state: PasscodeUserState): PasscodeEvent[] => {
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

const startChallenge = (
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

const completeAuthentication = (command: CompletePasscodeAuthentication, state: PasscodeUserState): PasscodeEvent[] => {
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
const completeRenewal = (command: CompletePasscodeRenewal, state: PasscodeUserState): PasscodeEvent[] => {
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

export const passcodeDecider = { decide: decidePasscode, evolve: evolvePasscode, initialState: initialPasscodeUserState };
