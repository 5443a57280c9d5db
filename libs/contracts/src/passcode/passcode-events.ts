import { z } from 'zod';
import {
  defineEvent,
  type EventOf,
  integrationFormOf,
  type StoredEvent,
  storedEventParser,
} from '../events/event';
import { passcodeKdfSchema, srpGroupSchema, srpHashSchema } from '../identity/store';
import {
  passcodeAuthenticationFailedIntegrationSchema,
  passcodeAuthenticationStartedIntegrationSchema,
  passcodeAuthenticationSucceededIntegrationSchema,
  passcodeDecoyAuthenticationFailedIntegrationSchema,
  passcodeDecoyAuthenticationStartedIntegrationSchema,
  passcodeDeregisteredIntegrationSchema,
  passcodeExpirationChangedIntegrationSchema,
  passcodeIntegrationEvents,
  passcodeLockedIntegrationSchema,
  passcodeRegistrationCompletedIntegrationSchema,
  passcodeRegistrationStartedIntegrationSchema,
  passcodeRenewalStartedIntegrationSchema,
  passcodeRenewedIntegrationSchema,
  passcodeSessionsExpiredIntegrationSchema,
  passcodeStatusChangedIntegrationSchema,
} from './passcode-integration-events';

/**
 * Passcode (client-validated password, SRP-6a per RFC 5054) events.
 *
 * Stored events live in the stream `passcode-user-<userId>`: one aggregate per user holding the
 * user's passcodes (at most one per policy) and the open ceremony sessions. Secret material appears
 * only as opaque ciphertext produced by the caller (`encryptedSalt`, `encryptedVerifier`,
 * `encryptedB`); the domain never encrypts or sees a key. Integration events (topic
 * `identity-store.passcode`, passcode-integration-events.ts) have the same type names and their fields minus the ciphertexts and
 * minus the session ids (a session id is a capability to complete a ceremony);
 * {@link toPasscodeIntegrationEvent} is the only way from one to the other.
 *
 * All timestamps are ISO-8601 UTC strings (`Date.prototype.toISOString()`).
 */

const id = z.string().min(1);
const dtm = z.iso.datetime();
/** Opaque ciphertext (SecretBox), produced by the caller. Never leaves the passcode service. */
const ciphertext = z.string().min(1);
const lowercaseHex = z.string().regex(/^[0-9a-f]+$/, 'must be lowercase hex');
/** The KDF of a renewal's new verifier (see passcodeKdfSchema); null is plain RFC 5054. */
const kdf = passcodeKdfSchema.nullable().optional();

// ---------------------------------------------------------------------------------------------
// Stored (domain) events.
// ---------------------------------------------------------------------------------------------

/** A ceremony session: single-use, expiring, bound to the store it was started in. */
const sessionFields = { sessionId: id, storeId: id };

export const passcodeRegistrationStartedSchema =
  passcodeRegistrationStartedIntegrationSchema.extend(sessionFields);
export const passcodeRegistrationCompletedSchema = passcodeRegistrationCompletedIntegrationSchema.extend({
  sessionId: id,
  encryptedSalt: ciphertext,
  encryptedVerifier: ciphertext,
});
const challengeFields = {
  ...sessionFields,
  /** The server's public ephemeral value (sent to the client; public). */
  B: lowercaseHex,
  /** The server's secret ephemeral value b. */
  encryptedB: ciphertext,
};
export const passcodeAuthenticationStartedSchema =
  passcodeAuthenticationStartedIntegrationSchema.extend(challengeFields);
export const passcodeRenewalStartedSchema = passcodeRenewalStartedIntegrationSchema.extend({
  ...challengeFields,
  /** The policy's KDF when the renewal started: the new verifier is computed with it. */
  newKdf: kdf,
});
export const passcodeAuthenticationSucceededSchema = passcodeAuthenticationSucceededIntegrationSchema.extend({
  sessionId: id,
});
export const passcodeAuthenticationFailedSchema = passcodeAuthenticationFailedIntegrationSchema.extend({
  sessionId: id,
});
export const passcodeLockedSchema = passcodeLockedIntegrationSchema;
export const passcodeRenewedSchema = passcodeRenewedIntegrationSchema.extend({
  sessionId: id,
  encryptedSalt: ciphertext,
  encryptedVerifier: ciphertext,
});
export const passcodeStatusChangedSchema = passcodeStatusChangedIntegrationSchema;
export const passcodeExpirationChangedSchema = passcodeExpirationChangedIntegrationSchema;
export const passcodeDeregisteredSchema = passcodeDeregisteredIntegrationSchema;
export const passcodeSessionsExpiredSchema = passcodeSessionsExpiredIntegrationSchema.extend({
  sessions: z
    .array(z.object({ sessionId: id, ...passcodeSessionsExpiredIntegrationSchema.shape.sessions.element.shape }))
    .min(1),
});
export const passcodeDecoyAuthenticationStartedSchema =
  passcodeDecoyAuthenticationStartedIntegrationSchema.extend({
    ...challengeFields,
    srpGroup: srpGroupSchema,
    hash: srpHashSchema,
  });
export const passcodeDecoyAuthenticationFailedSchema =
  passcodeDecoyAuthenticationFailedIntegrationSchema.extend({
    sessionId: id,
  });

export const PasscodeRegistrationStarted = defineEvent(
  'PasscodeRegistrationStarted',
  passcodeRegistrationStartedSchema,
);
export type PasscodeRegistrationStarted = EventOf<typeof PasscodeRegistrationStarted>;
export const PasscodeRegistrationCompleted = defineEvent(
  'PasscodeRegistrationCompleted',
  passcodeRegistrationCompletedSchema,
);
export type PasscodeRegistrationCompleted = EventOf<typeof PasscodeRegistrationCompleted>;
export const PasscodeAuthenticationStarted = defineEvent(
  'PasscodeAuthenticationStarted',
  passcodeAuthenticationStartedSchema,
);
export type PasscodeAuthenticationStarted = EventOf<typeof PasscodeAuthenticationStarted>;
export const PasscodeRenewalStarted = defineEvent('PasscodeRenewalStarted', passcodeRenewalStartedSchema);
export type PasscodeRenewalStarted = EventOf<typeof PasscodeRenewalStarted>;
export const PasscodeAuthenticationSucceeded = defineEvent(
  'PasscodeAuthenticationSucceeded',
  passcodeAuthenticationSucceededSchema,
);
export type PasscodeAuthenticationSucceeded = EventOf<typeof PasscodeAuthenticationSucceeded>;
export const PasscodeAuthenticationFailed = defineEvent(
  'PasscodeAuthenticationFailed',
  passcodeAuthenticationFailedSchema,
);
export type PasscodeAuthenticationFailed = EventOf<typeof PasscodeAuthenticationFailed>;
export const PasscodeLocked = defineEvent('PasscodeLocked', passcodeLockedSchema);
export type PasscodeLocked = EventOf<typeof PasscodeLocked>;
export const PasscodeRenewed = defineEvent('PasscodeRenewed', passcodeRenewedSchema);
export type PasscodeRenewed = EventOf<typeof PasscodeRenewed>;
export const PasscodeStatusChanged = defineEvent('PasscodeStatusChanged', passcodeStatusChangedSchema);
export type PasscodeStatusChanged = EventOf<typeof PasscodeStatusChanged>;
export const PasscodeExpirationChanged = defineEvent(
  'PasscodeExpirationChanged',
  passcodeExpirationChangedSchema,
);
export type PasscodeExpirationChanged = EventOf<typeof PasscodeExpirationChanged>;
export const PasscodeDeregistered = defineEvent('PasscodeDeregistered', passcodeDeregisteredSchema);
export type PasscodeDeregistered = EventOf<typeof PasscodeDeregistered>;
export const PasscodeDecoyAuthenticationStarted = defineEvent(
  'PasscodeDecoyAuthenticationStarted',
  passcodeDecoyAuthenticationStartedSchema,
);
export type PasscodeDecoyAuthenticationStarted = EventOf<typeof PasscodeDecoyAuthenticationStarted>;
export const PasscodeDecoyAuthenticationFailed = defineEvent(
  'PasscodeDecoyAuthenticationFailed',
  passcodeDecoyAuthenticationFailedSchema,
);
export type PasscodeDecoyAuthenticationFailed = EventOf<typeof PasscodeDecoyAuthenticationFailed>;
export const PasscodeSessionsExpired = defineEvent('PasscodeSessionsExpired', passcodeSessionsExpiredSchema);
export type PasscodeSessionsExpired = EventOf<typeof PasscodeSessionsExpired>;

export type PasscodeEvent =
  | PasscodeRegistrationStarted
  | PasscodeRegistrationCompleted
  | PasscodeAuthenticationStarted
  | PasscodeRenewalStarted
  | PasscodeAuthenticationSucceeded
  | PasscodeAuthenticationFailed
  | PasscodeLocked
  | PasscodeRenewed
  | PasscodeStatusChanged
  | PasscodeExpirationChanged
  | PasscodeDeregistered
  | PasscodeDecoyAuthenticationStarted
  | PasscodeDecoyAuthenticationFailed
  | PasscodeSessionsExpired;

export type PasscodeEventType = PasscodeEvent['type'];

/** Stored event definitions by type, e.g. to parse events read back from the event store. */
export const passcodeEvents = {
  PasscodeRegistrationStarted,
  PasscodeRegistrationCompleted,
  PasscodeAuthenticationStarted,
  PasscodeRenewalStarted,
  PasscodeAuthenticationSucceeded,
  PasscodeAuthenticationFailed,
  PasscodeLocked,
  PasscodeRenewed,
  PasscodeStatusChanged,
  PasscodeExpirationChanged,
  PasscodeDeregistered,
  PasscodeDecoyAuthenticationStarted,
  PasscodeDecoyAuthenticationFailed,
  PasscodeSessionsExpired,
} as const;

/** Validates a raw stored event (e.g. JSON from the event store) as a {@link PasscodeEvent}. */
export const parsePasscodeEvent = storedEventParser<PasscodeEvent>(passcodeEvents, 'passcode');

/** Fields of stored events that never leave the passcode service. */
const PRIVATE_FIELDS = [
  'sessionId',
  'storeId',
  'B',
  'encryptedB',
  'encryptedSalt',
  'encryptedVerifier',
  'newKdf',
] as const;

/** Maps a stored passcode event to its integration event's `{ type, version, data }` (see integrationFormOf). */
export const toPasscodeIntegrationEvent = (event: PasscodeEvent) =>
  integrationFormOf(passcodeIntegrationEvents[event.type], event.data, PRIVATE_FIELDS);

// ---------------------------------------------------------------------------------------------
// API resource and audit details.
// ---------------------------------------------------------------------------------------------

/** Status as the API shows it: the stored one, or LOCKED while an ACTIVE passcode's lock runs. */
export const passcodeResourceStatusSchema = z.enum(['ACTIVE', 'SUSPENDED', 'REVOKED', 'LOCKED']);
export type PasscodeResourceStatus = z.infer<typeof passcodeResourceStatusSchema>;

/** A user's passcode as the API returns it. Never carries the verifier or the salt. */
export const passcodeResourceSchema = z.object({
  id: z.string(),
  policyName: z.string(),
  status: passcodeResourceStatusSchema,
  protocol: z.literal('SRP'),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  createdDtm: dtm,
  lastUsedDtm: dtm.nullable(),
  expirationDtm: dtm.nullable(),
  failedAttempts: z.number().int().nonnegative(),
  lockedUntil: dtm.nullable(),
  kdf: passcodeKdfSchema
    .nullable()
    .describe('The KDF the client stretches this passcode with before SRP (null: plain RFC 5054).'),
});
export type PasscodeResource = z.infer<typeof passcodeResourceSchema>;

/** `passcodeInfo` of an authentication audit: the passcode when the proof was checked. */
export const passcodeInfoSchema = z.object({
  id: z.string(),
  status: passcodeResourceStatusSchema,
  expirationDtm: dtm.nullable(),
});
export type PasscodeInfo = z.infer<typeof passcodeInfoSchema>;

/** `passcodeAuditInfo` of an authentication audit (what a UI shows for a passcode authentication). */
export const passcodeAuditInfoSchema = z.object({
  protocol: z.literal('SRP'),
  policyName: z.string(),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  failedAttempts: z.number().int().nonnegative(),
  locked: z.boolean(),
});
export type PasscodeAuditInfo = z.infer<typeof passcodeAuditInfoSchema>;
