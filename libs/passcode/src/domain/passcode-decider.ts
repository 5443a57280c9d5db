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
import {
  parseSrpHex,
  SrpInputError,
  type SrpParameters,
  srpParameters,
  srpVerifyClient,
} from '@identity-store/srp';
import { ceremonySessions, requirePolicy as requireNamedPolicy } from '@identity-store/credential-kit';

/**
 * The passcode aggregate: one per user (stream `passcode-user-<userId>`), holding the user's
 * passcodes (SRP-6a verifiers, RFC 5054) keyed by id, and the open ceremony sessions keyed by
 * session id. Emmett style: `decidePasscode(command, state, deps) → events`,
 * `evolvePasscode(state, event) → state`. The clock (`now`) and ids come in with the commands;
 * encryption and the server's random ephemeral come in as dependencies; nothing here does I/O.
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

export const passcodeStreamId = (userId: string): string => `passcode-user-${userId}`;
export const userIdOfPasscodeStream = (streamId: string): string | undefined =>
  streamId.startsWith('passcode-user-') ? streamId.slice('passcode-user-'.length) : undefined;

/** How long a ceremony session stays open (API.md: "Sessions … expire (default 5 min)"). */
export const PASSCODE_SESSION_TTL = 'PT5M';


export interface PasscodeState {
  id: string;
  policyName: string;
  status: PasscodeStatus;
  srpGroup: SrpGroup;
  hash: SrpHash;
  encryptedSalt: string;
  encryptedVerifier: string;
  createdDtm: string;
  lastUsedDtm: string | null;
  expirationDtm: string | null;
  failedAttempts: number;
  lockedUntil: string | null;
  /** The KDF the client stretches the passcode with; null: plain RFC 5054. */
  kdf: PasscodeKdf | null;
}

export interface RegistrationSession {
  kind: 'REGISTRATION';
  id: string;
  storeId: string;
  /** When it was started: the oldest go first when the cap is reached. */
  startedDtm: string;
  policyName: string;
  srpGroup: SrpGroup;
  hash: SrpHash;
  /** The policy's KDF at the start (what the client was told to compute the verifier with). */
  kdf: PasscodeKdf | null;
  expiresDtm: string;
}

/** An authentication or renewal: the server's challenge for one passcode. */
export interface ChallengeSession {
  kind: PasscodeCeremony;
  id: string;
  storeId: string;
  startedDtm: string;
  passcodeId: string;
  B: string;
  encryptedB: string;
  expiresDtm: string;
  /** Renewals: the policy's KDF at the start, for the new verifier. */
  newKdf?: PasscodeKdf | null;
}

/** An authentication started for a policy under which the user has no passcode (see Decoys above). */
export interface DecoySession {
  kind: 'DECOY';
  id: string;
  storeId: string;
  startedDtm: string;
  policyName: string;
  srpGroup: SrpGroup;
  hash: SrpHash;
  B: string;
  encryptedB: string;
  expiresDtm: string;
}

export type PasscodeSession = RegistrationSession | ChallengeSession | DecoySession;

/** Open, close, require, expire and cap the user's ceremony sessions (credential-kit, shared with passkey). */
export const passcodeSessions = ceremonySessions<PasscodeSession>({ codePrefix: 'PASSCODE', noun: 'Passcode' });

/** Open ceremony sessions per user (all kinds together, decoys included). */
export const MAX_OPEN_SESSIONS = passcodeSessions.cap;

export interface PasscodeUserState {
  passcodes: Record<string, PasscodeState>;
  sessions: Record<string, PasscodeSession>;
}

export const initialPasscodeUserState = (): PasscodeUserState => ({ passcodes: {}, sessions: {} });

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

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

/** Where a ceremony is started: the policy, the new session's id and the store it belongs to. */
interface StartCeremony {
  now: Date;
  policy: PasscodePolicyParameters;
  sessionId: string;
  storeId: string;
}

/** Completing a ceremony: the session, the store it is completed through and the store's policies. */
interface CompleteCeremony {
  now: Date;
  sessionId: string;
  storeId: string;
  policies: Record<string, PasscodePolicyParameters>;
}

export interface StartPasscodeRegistration extends StartCeremony {
  type: 'StartPasscodeRegistration';
}

export interface CompletePasscodeRegistration extends CompleteCeremony {
  type: 'CompletePasscodeRegistration';
  passcodeId: string;
  salt: string;
  verifier: string;
}

export interface StartPasscodeAuthentication extends StartCeremony {
  type: 'StartPasscodeAuthentication';
}

export interface CompletePasscodeAuthentication extends CompleteCeremony {
  type: 'CompletePasscodeAuthentication';
  /** SRP identity I: the user's internal id. */
  identity: string;
  authenticationId: string;
  A: string;
  M1: string;
  context?: Record<string, unknown>;
}

export interface StartPasscodeRenewal extends StartCeremony {
  type: 'StartPasscodeRenewal';
}

export interface CompletePasscodeRenewal extends CompleteCeremony {
  type: 'CompletePasscodeRenewal';
  identity: string;
  authenticationId: string;
  A: string;
  M1: string;
  /** The new passcode's salt and verifier. */
  salt: string;
  verifier: string;
}

export interface DeregisterPasscode {
  type: 'DeregisterPasscode';
  now: Date;
  policyName: string;
}

export interface UpdatePasscode {
  type: 'UpdatePasscode';
  now: Date;
  passcodeId: string;
  status?: PasscodeStatus;
  /** null: never expires; undefined: unchanged. */
  expirationDtm?: string | null;
}

export interface DeletePasscode {
  type: 'DeletePasscode';
  now: Date;
  passcodeId: string;
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

export interface PasscodeDeciderDeps {
  /** Encrypts a secret of this user's aggregate; `label` names the value (bound as associated data). */
  encrypt(plaintext: Buffer, label: string): string;
  decrypt(ciphertext: string, label: string): Buffer;
  /** SRP step 1: a fresh random secret b and B = (k·v + g^b) mod N (libs/srp srpServerChallenge). */
  challenge(params: SrpParameters, verifierHex: string): { b: string; B: string };
  /** Receives the server proof M2 of an accepted client proof: the answer to the client, not a fact to store. */
  onServerProof?(M2: string): void;
  /**
   * The decoy salt and verifier of this user and policy (hex): deterministic, from a server key,
   * so every start for the same user and policy shows the same salt, as a real passcode does.
   */
  decoy(policyName: string, params: SrpParameters): { salt: string; verifier: string };
}

/** Associated-data labels: a ciphertext only decrypts as the value it was made for. */
export const secretLabels = {
  salt: (passcodeId: string) => `passcode:${passcodeId}:salt`,
  verifier: (passcodeId: string) => `passcode:${passcodeId}:verifier`,
  b: (sessionId: string) => `session:${sessionId}:b`,
};

// ---------------------------------------------------------------------------------------------
// Read helpers
// ---------------------------------------------------------------------------------------------

/** The user's passcode for a policy (whatever its status), if any. */
export const findByPolicy = (state: PasscodeUserState, policyName: string): PasscodeState | undefined =>
  Object.values(state.passcodes).find((p) => p.policyName === policyName);

export const isLocked = (passcode: PasscodeState, now: Date): boolean =>
  passcode.lockedUntil !== null && Date.parse(passcode.lockedUntil) > now.getTime();

export const isExpired = (passcode: PasscodeState, now: Date): boolean =>
  passcode.expirationDtm !== null && Date.parse(passcode.expirationDtm) <= now.getTime();

/** The store the user's open sessions belong to (a user's sessions are all of the user's store). */
export const storeOfPasscodeSessions = (state: PasscodeUserState): string | undefined =>
  passcodeSessions.storeOf(state);

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

/** The API representation; LOCKED while an ACTIVE passcode's lock runs. Never the salt or verifier. */
export const toPasscodeResource = (passcode: PasscodeState, now: Date): PasscodeResource => ({
  id: passcode.id,
  policyName: passcode.policyName,
  status: passcode.status === 'ACTIVE' && isLocked(passcode, now) ? 'LOCKED' : passcode.status,
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

// ---------------------------------------------------------------------------------------------
// Decide
// ---------------------------------------------------------------------------------------------

export const decidePasscode = (
  command: PasscodeCommand,
  state: PasscodeUserState,
  deps: PasscodeDeciderDeps,
): PasscodeEvent[] => {
  switch (command.type) {
    case 'StartPasscodeRegistration':
      return startRegistration(command, state);
    case 'CompletePasscodeRegistration':
      return completeRegistration(command, state, deps);
    case 'StartPasscodeAuthentication':
    case 'StartPasscodeRenewal':
      return startChallenge(command, state, deps);
    case 'CompletePasscodeAuthentication':
      return completeAuthentication(command, state, deps);
    case 'CompletePasscodeRenewal':
      return completeRenewal(command, state, deps);
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
  const { policy, now } = command;
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

const completeRegistration = (
  command: CompletePasscodeRegistration,
  state: PasscodeUserState,
  deps: PasscodeDeciderDeps,
): PasscodeEvent[] => {
  const { now, passcodeId } = command;
  const session = passcodeSessions.require(state, command, 'REGISTRATION');
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
      encryptedSalt: deps.encrypt(Buffer.from(command.salt, 'hex'), secretLabels.salt(passcodeId)),
      encryptedVerifier: deps.encrypt(
        Buffer.from(command.verifier, 'hex'),
        secretLabels.verifier(passcodeId),
      ),
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
  deps: PasscodeDeciderDeps,
): PasscodeEvent[] => {
  const { policy, now, sessionId } = command;
  const renewal = command.type === 'StartPasscodeRenewal';
  const passcode = findByPolicy(state, policy.name);
  if (!passcode && !renewal) return [...evictionsBeforeStart(state, now), ...startDecoy(command, deps)];
  if (!passcode) throw notFound('PASSCODE_NOT_FOUND', `No passcode registered for policy ${policy.name}`);
  requireUsable(passcode, now);
  if (renewal) requireRenewalOpen(passcode, policy, now);
  const verifier = deps
    .decrypt(passcode.encryptedVerifier, secretLabels.verifier(passcode.id))
    .toString('hex');
  const { b, B } = deps.challenge(paramsOf(passcode), verifier);
  const data = {
    sessionId,
    storeId: command.storeId,
    passcodeId: passcode.id,
    policyName: passcode.policyName,
    B,
    encryptedB: deps.encrypt(Buffer.from(b, 'hex'), secretLabels.b(sessionId)),
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
const startDecoy = (command: StartPasscodeAuthentication, deps: PasscodeDeciderDeps): PasscodeEvent[] => {
  const { policy, now, sessionId } = command;
  const params = paramsOf(policy);
  const { b, B } = deps.challenge(params, deps.decoy(policy.name, params).verifier);
  return [
    PasscodeDecoyAuthenticationStarted.create({
      sessionId,
      storeId: command.storeId,
      policyName: policy.name,
      srpGroup: policy.srpGroup,
      hash: policy.hash,
      B,
      encryptedB: deps.encrypt(Buffer.from(b, 'hex'), secretLabels.b(sessionId)),
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
const completeDecoy = (
  command: CompletePasscodeAuthentication,
  session: DecoySession,
  deps: PasscodeDeciderDeps,
): PasscodeEvent[] => {
  requirePolicy(command, session.policyName);
  const params = paramsOf(session);
  parseClientValues(params, { A: command.A, M1: command.M1 });
  const decoy = deps.decoy(session.policyName, params);
  try {
    srpVerifyClient(params, {
      identity: command.identity,
      salt: decoy.salt,
      verifier: decoy.verifier,
      b: deps.decrypt(session.encryptedB, secretLabels.b(session.id)).toString('hex'),
      B: session.B,
      A: command.A,
      M1: command.M1,
    });
  } catch (error) {
    if (!(error instanceof SrpInputError)) throw error;
    throw invalid('INVALID_SRP_VALUE', error.message, [
      { path: `body.${error.field}`, message: error.message },
    ]);
  }
  return [
    PasscodeDecoyAuthenticationFailed.create({
      sessionId: session.id,
      authenticationId: command.authenticationId,
      policyName: session.policyName,
      srpGroup: session.srpGroup,
      hash: session.hash,
      reason: 'PASSCODE_NOT_FOUND',
      at: command.now.toISOString(),
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
  requireUsable(passcode, command.now);
  return { session, passcode, policy, params: paramsOf(passcode) };
};

/**
 * Checks M1 against the session's challenge. A ≡ 0 (mod N) and other malformed values are a 400
 * (SrpInputError), not a failed attempt: they are not a guess at the passcode.
 */
const verifyProof = (
  command: CompletePasscodeAuthentication | CompletePasscodeRenewal,
  { session, passcode, params }: ReturnType<typeof challengeContext>,
  deps: PasscodeDeciderDeps,
) => {
  try {
    return srpVerifyClient(params, {
      identity: command.identity,
      salt: deps.decrypt(passcode.encryptedSalt, secretLabels.salt(passcode.id)).toString('hex'),
      verifier: deps.decrypt(passcode.encryptedVerifier, secretLabels.verifier(passcode.id)).toString('hex'),
      b: deps.decrypt(session.encryptedB, secretLabels.b(session.id)).toString('hex'),
      B: session.B,
      A: command.A,
      M1: command.M1,
    });
  } catch (error) {
    if (!(error instanceof SrpInputError)) throw error;
    throw invalid('INVALID_SRP_VALUE', error.message, [
      { path: `body.${error.field}`, message: error.message },
    ]);
  }
};

/** The outcome events of a checked proof: success, or failure (and the lock it may trigger). */
const proofChecked = (
  command: CompletePasscodeAuthentication | CompletePasscodeRenewal,
  { session, passcode, policy }: ReturnType<typeof challengeContext>,
  ok: boolean,
): PasscodeEvent[] => {
  const { now, authenticationId } = command;
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

const completeAuthentication = (
  command: CompletePasscodeAuthentication,
  state: PasscodeUserState,
  deps: PasscodeDeciderDeps,
): PasscodeEvent[] => {
  // A decoy is completed on the same path as an authentication.
  const session = passcodeSessions.require(state, command, 'AUTHENTICATION', 'DECOY');
  if (session.kind === 'DECOY') return completeDecoy(command, session, deps);
  const challenged = challengeContext(command, state, session);
  parseClientValues(challenged.params, { A: command.A, M1: command.M1 });
  const proof = verifyProof(command, challenged, deps);
  if (proof.ok) deps.onServerProof?.(proof.M2);
  return proofChecked(command, challenged, proof.ok);
};

/**
 * Renewal proves the current passcode (counted like an authentication) and replaces salt and
 * verifier; the group and hash stay the passcode's, the validity restarts. The new values are
 * checked before the proof, so a malformed request changes nothing.
 */
const completeRenewal = (
  command: CompletePasscodeRenewal,
  state: PasscodeUserState,
  deps: PasscodeDeciderDeps,
): PasscodeEvent[] => {
  const challenged = challengeContext(command, state, passcodeSessions.require(state, command, 'RENEWAL'));
  const { passcode, policy, params, session } = challenged;
  requireRenewalOpen(passcode, policy, command.now);
  parseClientValues(params, { A: command.A, M1: command.M1, salt: command.salt, verifier: command.verifier });
  const proof = verifyProof(command, challenged, deps);
  const checked = proofChecked(command, challenged, proof.ok);
  if (!proof.ok) return checked;
  deps.onServerProof?.(proof.M2);
  const { now } = command;
  return [
    ...checked,
    PasscodeRenewed.create({
      sessionId: session.id,
      passcodeId: passcode.id,
      authenticationId: command.authenticationId,
      encryptedSalt: deps.encrypt(Buffer.from(command.salt, 'hex'), secretLabels.salt(passcode.id)),
      encryptedVerifier: deps.encrypt(
        Buffer.from(command.verifier, 'hex'),
        secretLabels.verifier(passcode.id),
      ),
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
      at: command.now.toISOString(),
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
  const at = command.now.toISOString();
  const events: PasscodeEvent[] = [];
  if (command.status !== undefined && command.status !== toPasscodeResource(passcode, command.now).status)
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
      at: command.now.toISOString(),
    }),
  ];
};

// ---------------------------------------------------------------------------------------------
// Evolve
// ---------------------------------------------------------------------------------------------

const withPasscode = (
  state: PasscodeUserState,
  passcodeId: string,
  change: (passcode: PasscodeState) => PasscodeState,
): PasscodeUserState => {
  const passcode = ownEntry(state.passcodes, passcodeId);
  if (!passcode) return state; // tolerate events for passcodes already removed
  return { ...state, passcodes: { ...state.passcodes, [passcodeId]: change(passcode) } };
};

const openSession = (state: PasscodeUserState, session: PasscodeSession): PasscodeUserState =>
  passcodeSessions.open(state, session);

const closeSession = (state: PasscodeUserState, sessionId: string) => passcodeSessions.close(state, sessionId);

/** Closes the open challenges of a passcode (their B was computed from a verifier that is gone). */
const closeChallengesOf = (state: PasscodeUserState, passcodeId: string) =>
  passcodeSessions.closeWhere(
    state,
    (s) => (s.kind === 'AUTHENTICATION' || s.kind === 'RENEWAL') && s.passcodeId === passcodeId,
  );

export const evolvePasscode = (state: PasscodeUserState, event: PasscodeEvent): PasscodeUserState => {
  switch (event.type) {
    case 'PasscodeRegistrationStarted': {
      const d = event.data;
      return openSession(
        state,
        {
          kind: 'REGISTRATION',
          id: d.sessionId,
          storeId: d.storeId,
          startedDtm: d.at,
          policyName: d.policyName,
          srpGroup: d.srpGroup,
          hash: d.hash,
          kdf: d.kdf ?? null,
          expiresDtm: d.expiresDtm,
        },
      );
    }
    case 'PasscodeAuthenticationStarted':
    case 'PasscodeRenewalStarted': {
      const d = event.data;
      return openSession(
        state,
        {
          kind: event.type === 'PasscodeRenewalStarted' ? 'RENEWAL' : 'AUTHENTICATION',
          id: d.sessionId,
          storeId: d.storeId,
          startedDtm: d.at,
          passcodeId: d.passcodeId,
          B: d.B,
          encryptedB: d.encryptedB,
          expiresDtm: d.expiresDtm,
          ...(event.type === 'PasscodeRenewalStarted' ? { newKdf: event.data.newKdf ?? null } : {}),
        },
      );
    }
    case 'PasscodeDecoyAuthenticationStarted': {
      const d = event.data;
      return openSession(
        state,
        {
          kind: 'DECOY',
          id: d.sessionId,
          storeId: d.storeId,
          startedDtm: d.at,
          policyName: d.policyName,
          srpGroup: d.srpGroup,
          hash: d.hash,
          B: d.B,
          encryptedB: d.encryptedB,
          expiresDtm: d.expiresDtm,
        },
      );
    }
    case 'PasscodeDecoyAuthenticationFailed':
      return closeSession(state, event.data.sessionId);
    case 'PasscodeRegistrationCompleted': {
      const d = event.data;
      const closed = closeSession(state, d.sessionId);
      return {
        ...closed,
        passcodes: {
          ...closed.passcodes,
          [d.passcodeId]: {
            id: d.passcodeId,
            policyName: d.policyName,
            status: 'ACTIVE',
            srpGroup: d.srpGroup,
            hash: d.hash,
            encryptedSalt: d.encryptedSalt,
            encryptedVerifier: d.encryptedVerifier,
            createdDtm: d.createdDtm,
            lastUsedDtm: null,
            expirationDtm: d.expirationDtm,
            failedAttempts: 0,
            lockedUntil: null,
            kdf: d.kdf ?? null,
          },
        },
      };
    }
    case 'PasscodeAuthenticationSucceeded':
      return withPasscode(closeSession(state, event.data.sessionId), event.data.passcodeId, (p) => ({
        ...p,
        lastUsedDtm: event.data.at,
        failedAttempts: 0,
        lockedUntil: null,
      }));
    case 'PasscodeAuthenticationFailed':
      return withPasscode(closeSession(state, event.data.sessionId), event.data.passcodeId, (p) => ({
        ...p,
        failedAttempts: event.data.failedAttempts,
      }));
    case 'PasscodeLocked':
      return withPasscode(state, event.data.passcodeId, (p) => ({
        ...p,
        lockedUntil: event.data.lockedUntil,
      }));
    case 'PasscodeRenewed':
      return withPasscode(closeChallengesOf(state, event.data.passcodeId), event.data.passcodeId, (p) => ({
        ...p,
        encryptedSalt: event.data.encryptedSalt,
        encryptedVerifier: event.data.encryptedVerifier,
        expirationDtm: event.data.expirationDtm,
        kdf: event.data.kdf ?? null,
      }));
    case 'PasscodeStatusChanged':
      return withPasscode(state, event.data.passcodeId, (p) =>
        event.data.status === 'ACTIVE'
          ? { ...p, status: 'ACTIVE', failedAttempts: 0, lockedUntil: null }
          : { ...p, status: event.data.status },
      );
    case 'PasscodeExpirationChanged':
      return withPasscode(state, event.data.passcodeId, (p) => ({
        ...p,
        expirationDtm: event.data.expirationDtm,
      }));
    case 'PasscodeSessionsExpired': {
      const closed = new Set(event.data.sessions.map((s) => s.sessionId));
      return passcodeSessions.closeWhere(state, (s) => closed.has(s.id));
    }
    case 'PasscodeDeregistered': {
      if (!state.passcodes[event.data.passcodeId]) return state;
      const { [event.data.passcodeId]: _removed, ...passcodes } = state.passcodes;
      return { ...closeChallengesOf(state, event.data.passcodeId), passcodes };
    }
    default:
      // Unknown event types (from newer versions) are ignored.
      return state;
  }
};
