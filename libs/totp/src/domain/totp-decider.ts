import {
  TotpAuthenticationFailed,
  TotpAuthenticationSucceeded,
  TotpDeregistered,
  TotpLocked,
  TotpRegistrationCompleted,
  TotpRegistrationStarted,
  TotpStatusChanged,
  conflict,
  forbidden,
  invalid,
  locked,
  notFound,
  type TotpAlgorithm,
  type TotpAuthenticationFailureReason,
  type TotpCredential,
  type TotpDigits,
  type TotpEvent,
  type TotpSettableStatus,
  ownEntry,
} from '@identity-store/contracts';
import { addIsoDuration } from '@identity-store/contracts';
import { matchTotp } from './totp-code';

/**
 * The TOTP aggregate: one per user (stream `totp-user-<userId>`), holding all of that user's TOTP
 * credentials keyed by credential id. Emmett style: `decideTotp(command, state) → events`,
 * `evolveTotp(state, event) → state`. Pure: the clock (`now`), ids and the encrypted secret come in
 * with the commands, decryption is an injected dependency, nothing here does I/O.
 *
 * Invariant: at most one credential per policy name (PENDING, ACTIVE or SUSPENDED).
 *
 * Lockout: every failed authentication (wrong or replayed code) increments `failedAttempts`; the
 * failure that makes it reach `policy.maxFailedAttempts` also locks the credential until
 * `now + policy.lockoutDuration`. Only a successful authentication (or an administrator setting the
 * status to ACTIVE) resets the counter; the expiry of a lock does not. So after a lock expires the
 * user gets one more attempt: a success resets the counter, a failure locks again at once. This
 * keeps brute force at one guess per lockout period after the first lock instead of granting a
 * fresh set of guesses each time. `maxFailedAttempts <= 0` disables lockout.
 */

export const totpStreamId = (userId: string): string => `totp-user-${userId}`;

export type TotpCredentialStoredStatus = 'PENDING' | 'ACTIVE' | 'SUSPENDED';

export interface TotpCredentialState {
  id: string;
  policyName: string;
  /** PENDING until the registration is completed. LOCKED is not a stored status: see {@link isLocked}. */
  status: TotpCredentialStoredStatus;
  algorithm: TotpAlgorithm;
  digits: TotpDigits;
  period: number;
  window: number;
  encryptedSecret: string;
  createdDtm: string;
  lastUsedDtm: string | null;
  /** Highest RFC 6238 time step ever accepted; codes of this step or earlier are replays. */
  lastUsedTimeStep: number | null;
  failedAttempts: number;
  lockedUntil: string | null;
}

export interface TotpUserState {
  credentials: Record<string, TotpCredentialState>;
}

export const initialTotpUserState = (): TotpUserState => ({ credentials: {} });

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/** The parts of a store's TotpPolicy the domain needs (`issuer` is only for the otpauth URI). */
export interface TotpPolicyParameters {
  name: string;
  algorithm: TotpAlgorithm;
  digits: TotpDigits;
  period: number;
  window: number;
  maxFailedAttempts: number;
  /** ISO-8601 duration, e.g. PT15M. */
  lockoutDuration: string;
}

export interface StartTotpRegistration {
  type: 'StartTotpRegistration';
  now: Date;
  policy: TotpPolicyParameters;
  credentialId: string;
  /** Ciphertext of the new secret, produced by the caller. */
  encryptedSecret: string;
}

export interface CompleteTotpRegistration {
  type: 'CompleteTotpRegistration';
  now: Date;
  policyName: string;
  code: string;
}

export interface AuthenticateTotp {
  type: 'AuthenticateTotp';
  now: Date;
  policy: TotpPolicyParameters;
  code: string;
  authenticationId: string;
  context?: Record<string, unknown>;
}

export interface DeregisterTotp {
  type: 'DeregisterTotp';
  now: Date;
  policyName: string;
}

export interface UpdateTotp {
  type: 'UpdateTotp';
  now: Date;
  credentialId: string;
  status: TotpSettableStatus;
}

export interface DeleteTotp {
  type: 'DeleteTotp';
  now: Date;
  credentialId: string;
}

export type TotpCommand =
  | StartTotpRegistration
  | CompleteTotpRegistration
  | AuthenticateTotp
  | DeregisterTotp
  | UpdateTotp
  | DeleteTotp;

export interface TotpDeciderDeps {
  /**
   * Decrypts a credential's `encryptedSecret` to the raw shared secret; the credential id is part of
   * the ciphertext's associated data (another credential's ciphertext does not decrypt).
   */
  decryptSecret(encrypted: string, credentialId: string): Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Read helpers
// ---------------------------------------------------------------------------------------------

/** The user's credential for a policy (whatever its status), if any. */
export const findByPolicy = (state: TotpUserState, policyName: string): TotpCredentialState | undefined =>
  Object.values(state.credentials).find((c) => c.policyName === policyName);

export const isLocked = (credential: TotpCredentialState, now: Date): boolean =>
  credential.lockedUntil !== null && Date.parse(credential.lockedUntil) > now.getTime();

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

// ---------------------------------------------------------------------------------------------
// Decide
// ---------------------------------------------------------------------------------------------

export const decideTotp = (
  command: TotpCommand,
  state: TotpUserState,
  deps: TotpDeciderDeps,
): TotpEvent[] => {
  switch (command.type) {
    case 'StartTotpRegistration':
      return startRegistration(command, state);
    case 'CompleteTotpRegistration':
      return completeRegistration(command, state, deps);
    case 'AuthenticateTotp':
      return authenticate(command, state, deps);
    case 'DeregisterTotp':
      return deregister(command, state);
    case 'UpdateTotp':
      return update(command, state);
    case 'DeleteTotp':
      return remove(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`Unknown TOTP command: ${(unknown as { type: string }).type}`);
    }
  }
};

/**
 * Starting a registration while one is PENDING for the same policy replaces it: the old pending
 * credential is deregistered (an explicit `TotpDeregistered` with reason DEREGISTERED, so projections
 * and consumers drop it without knowing this rule), then the new one starts. The user may have lost
 * the QR code; the old secret can no longer be completed.
 */
const startRegistration = (command: StartTotpRegistration, state: TotpUserState): TotpEvent[] => {
  const { policy, credentialId, now } = command;
  const existing = findByPolicy(state, policy.name);
  if (existing && existing.status !== 'PENDING') {
    throw conflict('TOTP_ALREADY_REGISTERED', `A TOTP is already registered for policy ${policy.name}`);
  }
  const clash = ownEntry(state.credentials, credentialId);
  if (clash && clash !== existing) {
    throw conflict('TOTP_ALREADY_REGISTERED', `TOTP credential ${credentialId} already exists`);
  }
  const at = now.toISOString();
  return [
    ...(existing ? [TotpDeregistered.create({ credentialId: existing.id, at, reason: 'DEREGISTERED' })] : []),
    TotpRegistrationStarted.create({
      credentialId,
      policyName: policy.name,
      algorithm: policy.algorithm,
      digits: policy.digits,
      period: policy.period,
      window: policy.window,
      encryptedSecret: command.encryptedSecret,
      createdDtm: at,
    }),
  ];
};

const matchCode = (credential: TotpCredentialState, code: string, now: Date, deps: TotpDeciderDeps) =>
  matchTotp({
    secret: deps.decryptSecret(credential.encryptedSecret, credential.id),
    algorithm: credential.algorithm,
    digits: credential.digits,
    period: credential.period,
    window: credential.window,
    code,
    timestampMs: now.getTime(),
  });

/**
 * Completion proves the user set up the authenticator. It is not an authentication: a wrong code is
 * a validation error and changes nothing (no failed attempt counted). The matched time step is
 * recorded, so the completing code cannot be used again to authenticate.
 */
const completeRegistration = (
  command: CompleteTotpRegistration,
  state: TotpUserState,
  deps: TotpDeciderDeps,
): TotpEvent[] => {
  const pending = findByPolicy(state, command.policyName);
  if (!pending || pending.status !== 'PENDING') {
    throw notFound(
      'TOTP_REGISTRATION_NOT_FOUND',
      `No pending TOTP registration for policy ${command.policyName}`,
    );
  }
  const timeStep = matchCode(pending, command.code, command.now, deps);
  if (timeStep === null) {
    throw invalid('INVALID_CODE', 'The TOTP code is not valid', [{ path: 'code', message: 'Invalid code' }]);
  }
  return [
    TotpRegistrationCompleted.create({ credentialId: pending.id, timeStep, at: command.now.toISOString() }),
  ];
};

const authenticate = (
  command: AuthenticateTotp,
  state: TotpUserState,
  deps: TotpDeciderDeps,
): TotpEvent[] => {
  const { policy, now, authenticationId, context } = command;
  const credential = findByPolicy(state, policy.name);
  if (!credential || credential.status === 'PENDING') {
    throw notFound('TOTP_NOT_FOUND', `No TOTP registered for policy ${policy.name}`);
  }
  if (credential.status === 'SUSPENDED') {
    throw forbidden('TOTP_SUSPENDED', `The TOTP for policy ${policy.name} is suspended`);
  }
  if (isLocked(credential, now)) {
    throw locked(
      'TOTP_LOCKED',
      `The TOTP for policy ${policy.name} is locked until ${credential.lockedUntil}`,
    );
  }

  const at = now.toISOString();
  const timeStep = matchCode(credential, command.code, now, deps);
  const replayed =
    timeStep !== null && credential.lastUsedTimeStep !== null && timeStep <= credential.lastUsedTimeStep;

  if (timeStep !== null && !replayed) {
    return [
      TotpAuthenticationSucceeded.create({
        credentialId: credential.id,
        authenticationId,
        timeStep,
        at,
        ...(context !== undefined ? { context } : {}),
      }),
    ];
  }

  const reason: TotpAuthenticationFailureReason = replayed ? 'CODE_REPLAYED' : 'INVALID_CODE';
  const failedAttempts = credential.failedAttempts + 1;
  const events: TotpEvent[] = [
    TotpAuthenticationFailed.create({
      credentialId: credential.id,
      authenticationId,
      reason,
      failedAttempts,
      at,
      ...(context !== undefined ? { context } : {}),
    }),
  ];
  if (policy.maxFailedAttempts > 0 && failedAttempts >= policy.maxFailedAttempts) {
    events.push(
      TotpLocked.create({
        credentialId: credential.id,
        lockedUntil: addIsoDuration(now, policy.lockoutDuration).toISOString(),
        at,
      }),
    );
  }
  return events;
};

const deregister = (command: DeregisterTotp, state: TotpUserState): TotpEvent[] => {
  const credentials = Object.values(state.credentials).filter((c) => c.policyName === command.policyName);
  if (credentials.length === 0) {
    throw notFound('TOTP_NOT_FOUND', `No TOTP registered for policy ${command.policyName}`);
  }
  const at = command.now.toISOString();
  return credentials.map((c) => TotpDeregistered.create({ credentialId: c.id, at, reason: 'DEREGISTERED' }));
};

const getCredential = (state: TotpUserState, credentialId: string): TotpCredentialState => {
  const credential = ownEntry(state.credentials, credentialId);
  if (!credential) throw notFound('TOTP_NOT_FOUND', `TOTP credential ${credentialId} not found`);
  return credential;
};

/**
 * Administrative status change. A PENDING registration cannot be activated or suspended (it has to
 * be completed with a code first). Setting ACTIVE on a LOCKED credential unlocks it (the API shows
 * it as LOCKED, so an administrator setting ACTIVE expects ACTIVE): evolve clears the lock and the
 * failed attempts. Setting the status the API already shows is a no-op (no events). Suspending a
 * locked credential keeps the lock data; re-activating it later clears it.
 */
const update = (command: UpdateTotp, state: TotpUserState): TotpEvent[] => {
  const credential = getCredential(state, command.credentialId);
  if (credential.status === 'PENDING') {
    throw conflict('TOTP_REGISTRATION_PENDING', `TOTP credential ${credential.id} is not registered yet`);
  }
  const shown = toTotpResource(credential, command.now).status;
  if (shown === command.status) return [];
  return [
    TotpStatusChanged.create({
      credentialId: credential.id,
      status: command.status,
      at: command.now.toISOString(),
    }),
  ];
};

const remove = (command: DeleteTotp, state: TotpUserState): TotpEvent[] => {
  const credential = getCredential(state, command.credentialId);
  return [
    TotpDeregistered.create({
      credentialId: credential.id,
      at: command.now.toISOString(),
      reason: 'DELETED',
    }),
  ];
};

// ---------------------------------------------------------------------------------------------
// Evolve
// ---------------------------------------------------------------------------------------------

const withCredential = (
  state: TotpUserState,
  credentialId: string,
  change: (credential: TotpCredentialState) => TotpCredentialState,
): TotpUserState => {
  const credential = ownEntry(state.credentials, credentialId);
  if (!credential) return state; // tolerate events for credentials already removed
  return { credentials: { ...state.credentials, [credentialId]: change(credential) } };
};

export const evolveTotp = (state: TotpUserState, event: TotpEvent): TotpUserState => {
  switch (event.type) {
    case 'TotpRegistrationStarted': {
      const d = event.data;
      // Defensive: a new registration supersedes any pending one for the same policy.
      const credentials = Object.fromEntries(
        Object.entries(state.credentials).filter(
          ([, c]) => !(c.policyName === d.policyName && c.status === 'PENDING'),
        ),
      );
      credentials[d.credentialId] = {
        id: d.credentialId,
        policyName: d.policyName,
        status: 'PENDING',
        algorithm: d.algorithm,
        digits: d.digits,
        period: d.period,
        window: d.window,
        encryptedSecret: d.encryptedSecret,
        createdDtm: d.createdDtm,
        lastUsedDtm: null,
        lastUsedTimeStep: null,
        failedAttempts: 0,
        lockedUntil: null,
      };
      return { credentials };
    }
    case 'TotpRegistrationCompleted':
      return withCredential(state, event.data.credentialId, (c) => ({
        ...c,
        status: 'ACTIVE',
        lastUsedTimeStep: Math.max(c.lastUsedTimeStep ?? -1, event.data.timeStep),
      }));
    case 'TotpAuthenticationSucceeded':
      return withCredential(state, event.data.credentialId, (c) => ({
        ...c,
        lastUsedDtm: event.data.at,
        lastUsedTimeStep: Math.max(c.lastUsedTimeStep ?? -1, event.data.timeStep),
        failedAttempts: 0,
        lockedUntil: null,
      }));
    case 'TotpAuthenticationFailed':
      return withCredential(state, event.data.credentialId, (c) => ({
        ...c,
        failedAttempts: event.data.failedAttempts,
      }));
    case 'TotpLocked':
      return withCredential(state, event.data.credentialId, (c) => ({
        ...c,
        lockedUntil: event.data.lockedUntil,
      }));
    case 'TotpStatusChanged':
      return withCredential(state, event.data.credentialId, (c) =>
        event.data.status === 'ACTIVE'
          ? { ...c, status: 'ACTIVE', failedAttempts: 0, lockedUntil: null }
          : { ...c, status: 'SUSPENDED' },
      );
    case 'TotpDeregistered': {
      if (!state.credentials[event.data.credentialId]) return state;
      const { [event.data.credentialId]: _removed, ...credentials } = state.credentials;
      return { credentials };
    }
    default: {
      // Unknown event types (from newer versions) are ignored.
      return state;
    }
  }
};
