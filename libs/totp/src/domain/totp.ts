import {
  defineEvent,
  type EventOf,
  integrationFormOf,
  lockRunsAt,
  ownEntry,
  storedEventParser,
  type TotpAlgorithm,
  type TotpDigits,
  totpAuthenticationFailedIntegrationSchema,
  totpAuthenticationSucceededIntegrationSchema,
  totpDeregisteredIntegrationSchema,
  totpIntegrationEvents,
  totpLockedIntegrationSchema,
  totpRegistrationCompletedIntegrationSchema,
  totpRegistrationStartedIntegrationSchema,
  totpStatusChangedIntegrationSchema,
} from '@identity-store/contracts';
import { z } from 'zod';

/**
 * The TOTP aggregate: one per user (stream `totp-user-<userId>`), holding all of that user's TOTP
 * credentials keyed by credential id. This file holds what its stream stores (the private stored
 * events), its state and `evolveTotp(state, event) → state`; the decisions are in totp-decider.ts.
 *
 * Stored events are private to the TOTP service. Only `TotpRegistrationStarted` carries secret
 * material, and only as `encryptedSecret`: opaque ciphertext produced by the handler (the domain
 * never encrypts or sees a key). Integration events (topic `identity-store.totp`, in contracts)
 * have the same type names and fields minus `encryptedSecret`; {@link toTotpIntegrationEvent} is the
 * only way from one to the other. The stored JSON is unchanged since these lived in contracts.
 */

export const totpRegistrationStartedSchema = totpRegistrationStartedIntegrationSchema.extend({
  /** Opaque ciphertext of the shared secret, produced by the caller. Never leaves the TOTP service. */
  encryptedSecret: z.string().min(1),
});
export const totpRegistrationCompletedSchema = totpRegistrationCompletedIntegrationSchema;
export const totpAuthenticationSucceededSchema = totpAuthenticationSucceededIntegrationSchema;
export const totpAuthenticationFailedSchema = totpAuthenticationFailedIntegrationSchema;
export const totpLockedSchema = totpLockedIntegrationSchema;
export const totpStatusChangedSchema = totpStatusChangedIntegrationSchema;
export const totpDeregisteredSchema = totpDeregisteredIntegrationSchema;

export const TotpRegistrationStarted = defineEvent('TotpRegistrationStarted', totpRegistrationStartedSchema);
export type TotpRegistrationStarted = EventOf<typeof TotpRegistrationStarted>;

export const TotpRegistrationCompleted = defineEvent(
  'TotpRegistrationCompleted',
  totpRegistrationCompletedSchema,
);
export type TotpRegistrationCompleted = EventOf<typeof TotpRegistrationCompleted>;

export const TotpAuthenticationSucceeded = defineEvent(
  'TotpAuthenticationSucceeded',
  totpAuthenticationSucceededSchema,
);
export type TotpAuthenticationSucceeded = EventOf<typeof TotpAuthenticationSucceeded>;

export const TotpAuthenticationFailed = defineEvent(
  'TotpAuthenticationFailed',
  totpAuthenticationFailedSchema,
);
export type TotpAuthenticationFailed = EventOf<typeof TotpAuthenticationFailed>;

export const TotpLocked = defineEvent('TotpLocked', totpLockedSchema);
export type TotpLocked = EventOf<typeof TotpLocked>;

export const TotpStatusChanged = defineEvent('TotpStatusChanged', totpStatusChangedSchema);
export type TotpStatusChanged = EventOf<typeof TotpStatusChanged>;

export const TotpDeregistered = defineEvent('TotpDeregistered', totpDeregisteredSchema);
export type TotpDeregistered = EventOf<typeof TotpDeregistered>;

export type TotpEvent =
  | TotpRegistrationStarted
  | TotpRegistrationCompleted
  | TotpAuthenticationSucceeded
  | TotpAuthenticationFailed
  | TotpLocked
  | TotpStatusChanged
  | TotpDeregistered;

export type TotpEventType = TotpEvent['type'];

/** Stored event definitions by type, e.g. to parse events read back from the event store. */
export const totpEvents = {
  TotpRegistrationStarted,
  TotpRegistrationCompleted,
  TotpAuthenticationSucceeded,
  TotpAuthenticationFailed,
  TotpLocked,
  TotpStatusChanged,
  TotpDeregistered,
} as const;

/** Validates a raw stored event (e.g. JSON from the event store) as a {@link TotpEvent}. */
export const parseTotpEvent = storedEventParser<TotpEvent>(totpEvents, 'TOTP');

/** The shared secret never leaves the TOTP service. */
const PRIVATE_FIELDS = ['encryptedSecret'] as const;

/** Maps a stored TOTP event to its integration event's `{ type, version, data }` (see integrationFormOf). */
export const toTotpIntegrationEvent = (event: TotpEvent) =>
  integrationFormOf(totpIntegrationEvents[event.type], event.data, PRIVATE_FIELDS);

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

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

/** The user's credential for a policy (whatever its status), if any. */
export const findByPolicy = (state: TotpUserState, policyName: string): TotpCredentialState | undefined =>
  Object.values(state.credentials).find((c) => c.policyName === policyName);

export const isLocked = (credential: TotpCredentialState, now: Date): boolean => lockRunsAt(credential.lockedUntil, now);

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
