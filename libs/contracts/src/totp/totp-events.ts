import { z } from 'zod';
import {
  defineEvent,
  type EventOf,
  integrationFormOf,
  type StoredEvent,
  storedEventParser,
} from '../events/event';
import {
  totpAlgorithmSchema,
  totpAuthenticationFailedIntegrationSchema,
  totpAuthenticationSucceededIntegrationSchema,
  totpDeregisteredIntegrationSchema,
  totpDigitsSchema,
  totpIntegrationEvents,
  totpLockedIntegrationSchema,
  totpRegistrationCompletedIntegrationSchema,
  totpRegistrationStartedIntegrationSchema,
  totpStatusChangedIntegrationSchema,
} from './totp-integration-events';

/**
 * TOTP (RFC 6238) events.
 *
 * Stored events live in the stream `totp-user-<userId>` (one aggregate per user holding all of the
 * user's TOTP credentials). Only `TotpRegistrationStarted` carries secret material, and only as
 * `encryptedSecret`: opaque ciphertext produced by the caller (the domain never encrypts or sees a
 * key). Integration events (topic `identity-store.totp`, totp-integration-events.ts) have the same
 * type names and fields minus `encryptedSecret`; {@link toTotpIntegrationEvent} is the only way from
 * one to the other.
 *
 * All timestamps are ISO-8601 UTC strings (`Date.prototype.toISOString()`).
 */

const dtm = z.iso.datetime();

// ---------------------------------------------------------------------------------------------
// Stored (domain) events.
// ---------------------------------------------------------------------------------------------

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
// API resource.
// ---------------------------------------------------------------------------------------------

export const totpCredentialStatusSchema = z.enum(['PENDING', 'ACTIVE', 'SUSPENDED', 'LOCKED']);
export type TotpCredentialStatus = z.infer<typeof totpCredentialStatusSchema>;

/** A user's TOTP credential as the API returns it. Never carries the secret. */
export const totpCredentialSchema = z.object({
  id: z.string(),
  policyName: z.string(),
  status: totpCredentialStatusSchema,
  algorithm: totpAlgorithmSchema,
  digits: totpDigitsSchema,
  period: z.number().int().positive(),
  createdDtm: dtm,
  lastUsedDtm: dtm.nullable(),
  failedAttempts: z.number().int().nonnegative(),
  lockedUntil: dtm.nullable(),
});
export type TotpCredential = z.infer<typeof totpCredentialSchema>;
