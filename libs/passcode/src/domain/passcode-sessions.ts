import {
  addIsoDuration,
  type FieldError,
  invalid,
  type PasscodeKdf,
  type SrpGroup,
  type SrpHash,
} from '@identity-store/contracts';
import { requirePolicy as requireNamedPolicy } from '@identity-store/credential-kit';
import { parseSrpHex, SrpInputError, type SrpParameters, srpParameters } from '@identity-store/srp';
import {
  type PasscodeEvent,
  type PasscodeSession,
  passcodeSessions,
  PasscodeSessionsExpired,
  type PasscodeUserState,
} from './passcode';

/*
 * What every passcode ceremony (registration, authentication, renewal) shares: its commands'
 * metadata and session fields, the sessions' expiry, cap and sweep (credential-kit's ceremony
 * sessions), the policy a completion is checked against and the decoding of the client's SRP values.
 */

/** How long a ceremony session stays open (API.md: "Sessions … expire (default 5 min)"). */
export const PASSCODE_SESSION_TTL = 'PT5M';

/** Open ceremony sessions per user (all kinds together, decoys included). */
export const MAX_OPEN_SESSIONS = passcodeSessions.cap;

/** The store the user's open sessions belong to (a user's sessions are all of the user's store). */
export const storeOfPasscodeSessions = (state: PasscodeUserState): string | undefined =>
  passcodeSessions.storeOf(state);

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

/** Where a ceremony is started: the policy, the new session's id and the store it belongs to. */
export interface StartCeremony {
  policy: PasscodePolicyParameters;
  sessionId: string;
  storeId: string;
  metadata: PasscodeCommandMetadata;
}

/** Completing a ceremony: the session, the store it is completed through and the store's policies. */
export interface CompleteCeremony {
  sessionId: string;
  storeId: string;
  policies: Record<string, PasscodePolicyParameters>;
  metadata: PasscodeCommandMetadata;
}

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
export const evictionsBeforeStart = (state: PasscodeUserState, now: Date): PasscodeEvent[] => {
  const evicted = passcodeSessions.evictedBeforeStart(state, now);
  return evicted.length ? [sessionsExpired('EVICTED', evicted, now)] : [];
};

export const expiresAt = (now: Date) => addIsoDuration(now, PASSCODE_SESSION_TTL).toISOString();

/** What a completion asks of the sessions: this session, through this store, now. */
export const sessionRequestOf = ({ sessionId, storeId, metadata }: CompleteCeremony) => ({
  sessionId,
  storeId,
  now: metadata.now,
});

/** The store's policy a ceremony is completed under (it may have been removed since the start). */
export const requirePolicy = (command: CompleteCeremony, policyName: string) =>
  requireNamedPolicy(command.policies, policyName, `Passcode policy ${policyName} does not exist`);

export const paramsOf = (passcode: { srpGroup: SrpGroup; hash: SrpHash }) =>
  srpParameters(passcode.srpGroup, passcode.hash);

/**
 * Decodes client SRP values for the session's group, naming every bad one (`body.<field>`, as the
 * request validation does) in one 400. Nothing is stored for a request that fails here.
 */
export const parseClientValues = <F extends 'A' | 'M1' | 'salt' | 'verifier'>(
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
