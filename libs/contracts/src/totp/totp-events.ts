import { z } from 'zod';
import {
  defineEvent,
  type EventOf,
  integrationFormOf,
  type StoredEvent,
  storedEventParser,
} from '../events/event';

/**
 * TOTP (RFC 6238) events.
 *
 * Stored events live in the stream `totp-user-<userId>` (one aggregate per user holding all of the
 * user's TOTP credentials). Only `TotpRegistrationStarted` carries secret material, and only as
 * `encryptedSecret`: opaque ciphertext produced by the caller (the domain never encrypts or sees a
 * key). Integration events (topic `identity-store.totp`) have the same type names and fields minus
 * `encryptedSecret`; {@link toTotpIntegrationEvent} is the only way from one to the other.
 *
 * All timestamps are ISO-8601 UTC strings (`Date.prototype.toISOString()`).
 */

export const totpAlgorithmSchema = z.enum(['SHA1', 'SHA256', 'SHA512']);
export type TotpAlgorithm = z.infer<typeof totpAlgorithmSchema>;

export const totpDigitsSchema = z.union([z.literal(6), z.literal(8)]);
export type TotpDigits = z.infer<typeof totpDigitsSchema>;

export const totpAuthenticationFailureReasonSchema = z.enum(['INVALID_CODE', 'CODE_REPLAYED']);
export type TotpAuthenticationFailureReason = z.infer<typeof totpAuthenticationFailureReasonSchema>;

/** Status an API client may set; PENDING and LOCKED are never set directly. */
export const totpSettableStatusSchema = z.enum(['ACTIVE', 'SUSPENDED']);
export type TotpSettableStatus = z.infer<typeof totpSettableStatusSchema>;

export const totpDeregistrationReasonSchema = z.enum(['DEREGISTERED', 'DELETED']);
export type TotpDeregistrationReason = z.infer<typeof totpDeregistrationReasonSchema>;

const id = z.string().min(1);
const dtm = z.iso.datetime();
/** Free-form client context of an authentication (device, IP, …), echoed into the audit. */
const context = z.record(z.string(), z.unknown()).optional();

// ---------------------------------------------------------------------------------------------
// Integration event data (no secrets). The stored schemas below extend these.
// ---------------------------------------------------------------------------------------------

export const totpRegistrationStartedIntegrationSchema = z.object({
  credentialId: id,
  policyName: z.string().min(1),
  algorithm: totpAlgorithmSchema,
  digits: totpDigitsSchema,
  /** Time-step length in seconds. */
  period: z.number().int().positive(),
  /** Accepted time steps either side of the current one. */
  window: z.number().int().nonnegative(),
  createdDtm: dtm,
});

export const totpRegistrationCompletedIntegrationSchema = z.object({
  credentialId: id,
  /**
   * RFC 6238 time step (counter) the confirmation code matched. Recorded so that the very code that
   * completed the registration cannot then be used to authenticate ("a code is accepted once").
   */
  timeStep: z.number().int().nonnegative(),
  at: dtm,
});

export const totpAuthenticationSucceededIntegrationSchema = z.object({
  credentialId: id,
  authenticationId: id,
  /** RFC 6238 time step (counter) the code matched. */
  timeStep: z.number().int().nonnegative(),
  at: dtm,
  context,
});

export const totpAuthenticationFailedIntegrationSchema = z.object({
  credentialId: id,
  authenticationId: id,
  reason: totpAuthenticationFailureReasonSchema,
  /** Consecutive failed attempts including this one. */
  failedAttempts: z.number().int().positive(),
  at: dtm,
  context,
});

export const totpLockedIntegrationSchema = z.object({
  credentialId: id,
  lockedUntil: dtm,
  at: dtm,
});

export const totpStatusChangedIntegrationSchema = z.object({
  credentialId: id,
  status: totpSettableStatusSchema,
  at: dtm,
});

export const totpDeregisteredIntegrationSchema = z.object({
  credentialId: id,
  at: dtm,
  reason: totpDeregistrationReasonSchema,
});

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

// ---------------------------------------------------------------------------------------------
// Integration events (topic identity-store.totp).
// ---------------------------------------------------------------------------------------------

/** Integration event definitions by type (data schemas and versions of what is published). */
export const totpIntegrationEvents = {
  TotpRegistrationStarted: defineEvent('TotpRegistrationStarted', totpRegistrationStartedIntegrationSchema),
  TotpRegistrationCompleted: defineEvent(
    'TotpRegistrationCompleted',
    totpRegistrationCompletedIntegrationSchema,
  ),
  TotpAuthenticationSucceeded: defineEvent(
    'TotpAuthenticationSucceeded',
    totpAuthenticationSucceededIntegrationSchema,
  ),
  TotpAuthenticationFailed: defineEvent(
    'TotpAuthenticationFailed',
    totpAuthenticationFailedIntegrationSchema,
  ),
  TotpLocked: defineEvent('TotpLocked', totpLockedIntegrationSchema),
  TotpStatusChanged: defineEvent('TotpStatusChanged', totpStatusChangedIntegrationSchema),
  TotpDeregistered: defineEvent('TotpDeregistered', totpDeregisteredIntegrationSchema),
} as const;

export type TotpIntegrationEvent = {
  [K in keyof typeof totpIntegrationEvents]: EventOf<(typeof totpIntegrationEvents)[K]>;
}[keyof typeof totpIntegrationEvents];

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
