import {
  addIsoDuration,
  conflict,
  forbidden,
  invalid,
  locked,
  notFound,
  ownEntry,
  type TotpAlgorithm,
  type TotpAuthenticationFailureReason,
  type TotpDigits,
  type TotpSettableStatus,
} from '@identity-store/contracts';
import {
  evolveTotp,
  findByPolicy,
  initialTotpUserState,
  isLocked,
  type TotpCredentialState,
  TotpAuthenticationFailed,
  TotpAuthenticationSucceeded,
  TotpDeregistered,
  type TotpEvent,
  TotpLocked,
  TotpRegistrationCompleted,
  TotpRegistrationStarted,
  TotpStatusChanged,
  type TotpUserState,
} from './totp';
import type { TotpCodeVerdict } from './totp-code-verdict';
import { toTotpResource } from './totp-views';

/**
 * The TOTP aggregate's decisions: `decide(command, state) → events` on the state of totp.ts. Pure:
 * the clock (`metadata.now`), ids, the encrypted secret and the verdict on a presented code come in
 * with the commands (the handler decrypts the secret and checks the code, totp-code-verdict.ts);
 * nothing here does I/O or crypto.
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

/** When the command is decided (the handler's clock; a retry on a concurrent write keeps it). */
export interface TotpCommandMetadata {
  now: Date;
}

export interface StartTotpRegistration {
  type: 'StartTotpRegistration';
  policy: TotpPolicyParameters;
  credentialId: string;
  /** Ciphertext of the new secret, produced by the handler. */
  encryptedSecret: string;
  metadata: TotpCommandMetadata;
}

export interface CompleteTotpRegistration {
  type: 'CompleteTotpRegistration';
  policyName: string;
  /** The presented code checked against the pending credential; absent when there is none. */
  verdict?: TotpCodeVerdict;
  metadata: TotpCommandMetadata;
}

export interface AuthenticateTotp {
  type: 'AuthenticateTotp';
  policy: TotpPolicyParameters;
  /** The presented code checked against the policy's credential; absent when it cannot be used. */
  verdict?: TotpCodeVerdict;
  authenticationId: string;
  context?: Record<string, unknown>;
  metadata: TotpCommandMetadata;
}

export interface DeregisterTotp {
  type: 'DeregisterTotp';
  policyName: string;
  metadata: TotpCommandMetadata;
}

export interface UpdateTotp {
  type: 'UpdateTotp';
  credentialId: string;
  status: TotpSettableStatus;
  metadata: TotpCommandMetadata;
}

export interface DeleteTotp {
  type: 'DeleteTotp';
  credentialId: string;
  metadata: TotpCommandMetadata;
}

export type TotpCommand =
  | StartTotpRegistration
  | CompleteTotpRegistration
  | AuthenticateTotp
  | DeregisterTotp
  | UpdateTotp
  | DeleteTotp;

export const decideTotp = (command: TotpCommand, state: TotpUserState): TotpEvent[] => {
  switch (command.type) {
    case 'StartTotpRegistration':
      return startRegistration(command, state);
    case 'CompleteTotpRegistration':
      return completeRegistration(command, state);
    case 'AuthenticateTotp':
      return authenticate(command, state);
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

export const totpDecider = { decide: decideTotp, evolve: evolveTotp, initialState: initialTotpUserState };

/** The verdict on the code for this credential: the handler checks it for every credential that can use one. */
const verdictFor = (command: CompleteTotpRegistration | AuthenticateTotp, credential: TotpCredentialState) => {
  const { verdict } = command;
  if (verdict?.credentialId !== credential.id)
    throw new Error(`${command.type} carries no verdict on a code of TOTP credential ${credential.id}`);
  return verdict;
};

/**
 * Starting a registration while one is PENDING for the same policy replaces it: the old pending
 * credential is deregistered (an explicit `TotpDeregistered` with reason DEREGISTERED, so projections
 * and consumers drop it without knowing this rule), then the new one starts. The user may have lost
 * the QR code; the old secret can no longer be completed.
 */
const startRegistration = (command: StartTotpRegistration, state: TotpUserState): TotpEvent[] => {
  const { policy, credentialId } = command;
  const { now } = command.metadata;
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

/**
 * Completion proves the user set up the authenticator. It is not an authentication: a wrong code is
 * a validation error and changes nothing (no failed attempt counted). The matched time step is
 * recorded, so the completing code cannot be used again to authenticate.
 */
const completeRegistration = (command: CompleteTotpRegistration, state: TotpUserState): TotpEvent[] => {
  const { now } = command.metadata;
  const pending = findByPolicy(state, command.policyName);
  if (!pending || pending.status !== 'PENDING') {
    throw notFound(
      'TOTP_REGISTRATION_NOT_FOUND',
      `No pending TOTP registration for policy ${command.policyName}`,
    );
  }
  const verdict = verdictFor(command, pending);
  if (!verdict.matched) {
    throw invalid('INVALID_CODE', 'The TOTP code is not valid', [{ path: 'code', message: 'Invalid code' }]);
  }
  return [TotpRegistrationCompleted.create({ credentialId: pending.id, timeStep: verdict.timeStep, at: now.toISOString() })];
};

const authenticate = (command: AuthenticateTotp, state: TotpUserState): TotpEvent[] => {
  const { policy, authenticationId, context } = command;
  const { now } = command.metadata;
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
  const verdict = verdictFor(command, credential);
  const replayed =
    verdict.matched && credential.lastUsedTimeStep !== null && verdict.timeStep <= credential.lastUsedTimeStep;

  if (verdict.matched && !replayed) {
    return [
      TotpAuthenticationSucceeded.create({
        credentialId: credential.id,
        authenticationId,
        timeStep: verdict.timeStep,
        at,
        ...(context !== undefined ? { context } : {}),
      }),
    ];
  }

  const reason: TotpAuthenticationFailureReason = verdict.matched ? 'CODE_REPLAYED' : verdict.reason;
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
  const at = command.metadata.now.toISOString();
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
  const shown = toTotpResource(credential, command.metadata.now).status;
  if (shown === command.status) return [];
  return [
    TotpStatusChanged.create({
      credentialId: credential.id,
      status: command.status,
      at: command.metadata.now.toISOString(),
    }),
  ];
};

const remove = (command: DeleteTotp, state: TotpUserState): TotpEvent[] => {
  const credential = getCredential(state, command.credentialId);
  return [
    TotpDeregistered.create({
      credentialId: credential.id,
      at: command.metadata.now.toISOString(),
      reason: 'DELETED',
    }),
  ];
};
