import { z } from 'zod';
import {
  defineEvent,
  type EventOf,
  integrationFormOf,
  type StoredEvent,
  storedEventParser,
} from '../events/event';
import { passkeyHintSchema, passkeyUserVerificationSchema } from '../identity/passkey-config';
import {
  base64urlSchema,
  credentialIdSchema,
  passkeyAttachmentSchema,
  passkeyAuthenticationFailedIntegrationSchema,
  passkeyAuthenticationSessionClosedIntegrationSchema,
  passkeyAuthenticationStartedIntegrationSchema,
  passkeyAuthenticationSucceededIntegrationSchema,
  passkeyDeregisteredIntegrationSchema,
  passkeyDeviceTypeSchema,
  passkeyIntegrationEvents,
  passkeyRegistrationCompletedIntegrationSchema,
  passkeyRegistrationFailedIntegrationSchema,
  passkeyRegistrationStartedIntegrationSchema,
  passkeyRenamedIntegrationSchema,
  passkeySessionsExpiredIntegrationSchema,
  passkeyStatusChangedIntegrationSchema,
  passkeyStatusSchema,
} from './passkey-integration-events';

/**
 * Passkey (WebAuthn L3) events.
 *
 * Stored events live in the stream `passkey-user-<userId>`: one aggregate per user holding the
 * user's passkeys (of every relying party of the store) and the user's open ceremony sessions. A
 * usernameless authentication starts before anyone knows the user: its session lives in a stream of
 * its own, `passkey-session-<sessionId>`, and the outcome is recorded in the user's stream once the
 * credential names the user.
 *
 * Integration events (topic `identity-store.passkey`, passkey-integration-events.ts) have the same
 * type names and their fields minus the session ids (a session id is a capability to complete a
 * ceremony), the challenges and the credential public keys (public, but no consumer needs them:
 * they stay in the passkey service's database); {@link toPasskeyIntegrationEvent} is the only way from one to the other.
 * Nothing here is secret: a passkey's private key never leaves its authenticator.
 *
 * All timestamps are ISO-8601 UTC strings (`Date.prototype.toISOString()`); binary values are
 * base64url without padding, as WebAuthn's JSON encoding has them.
 */

const id = z.string().min(1);
const dtm = z.iso.datetime();
const hints = z.array(passkeyHintSchema);
const signCount = z.number().int().nonnegative();

// ---------------------------------------------------------------------------------------------
// Stored (domain) events.
// ---------------------------------------------------------------------------------------------

/**
 * A ceremony session: single-use, expiring, bound to the store it was started in, and to the
 * challenge its options carried and the user verification its policy asked for.
 */
const sessionFields = {
  sessionId: id,
  storeId: id,
  challenge: base64urlSchema.min(16),
  userVerification: passkeyUserVerificationSchema,
  hints,
};

export const passkeyRegistrationStartedSchema =
  passkeyRegistrationStartedIntegrationSchema.extend(sessionFields);
export const passkeyRegistrationCompletedSchema = passkeyRegistrationCompletedIntegrationSchema.extend({
  sessionId: id,
  /** The store the passkey belongs to: its credential id is unique per store and rpId. */
  storeId: id,
  /** COSE_Key (RFC 9052) of the credential, base64url. */
  publicKey: base64urlSchema.min(1),
});
export const passkeyRegistrationFailedSchema = passkeyRegistrationFailedIntegrationSchema.extend({
  sessionId: id,
});
export const passkeyAuthenticationStartedSchema = passkeyAuthenticationStartedIntegrationSchema.extend({
  ...sessionFields,
  /** The credential ids the options allowed (empty: usernameless, any discoverable credential). */
  allowCredentials: z.array(credentialIdSchema),
});
export const passkeyAuthenticationSucceededSchema = passkeyAuthenticationSucceededIntegrationSchema.extend({
  sessionId: id,
});
export const passkeyAuthenticationFailedSchema = passkeyAuthenticationFailedIntegrationSchema.extend({
  sessionId: id,
});
/** A usernameless session's stream: the session was used by an authentication (see the integration schema). */
export const passkeyAuthenticationSessionClosedSchema =
  passkeyAuthenticationSessionClosedIntegrationSchema.extend({
    sessionId: id,
  });
export const passkeyStatusChangedSchema = passkeyStatusChangedIntegrationSchema;
export const passkeyRenamedSchema = passkeyRenamedIntegrationSchema;
export const passkeyDeregisteredSchema = passkeyDeregisteredIntegrationSchema;
export const passkeySessionsExpiredSchema = passkeySessionsExpiredIntegrationSchema.extend({
  sessions: z
    .array(z.object({ sessionId: id, ...passkeySessionsExpiredIntegrationSchema.shape.sessions.element.shape }))
    .min(1),
});

export const PasskeyRegistrationStarted = defineEvent(
  'PasskeyRegistrationStarted',
  passkeyRegistrationStartedSchema,
);
export type PasskeyRegistrationStarted = EventOf<typeof PasskeyRegistrationStarted>;
export const PasskeyRegistrationCompleted = defineEvent(
  'PasskeyRegistrationCompleted',
  passkeyRegistrationCompletedSchema,
);
export type PasskeyRegistrationCompleted = EventOf<typeof PasskeyRegistrationCompleted>;
export const PasskeyRegistrationFailed = defineEvent(
  'PasskeyRegistrationFailed',
  passkeyRegistrationFailedSchema,
);
export type PasskeyRegistrationFailed = EventOf<typeof PasskeyRegistrationFailed>;
export const PasskeyAuthenticationStarted = defineEvent(
  'PasskeyAuthenticationStarted',
  passkeyAuthenticationStartedSchema,
);
export type PasskeyAuthenticationStarted = EventOf<typeof PasskeyAuthenticationStarted>;
export const PasskeyAuthenticationSucceeded = defineEvent(
  'PasskeyAuthenticationSucceeded',
  passkeyAuthenticationSucceededSchema,
);
export type PasskeyAuthenticationSucceeded = EventOf<typeof PasskeyAuthenticationSucceeded>;
export const PasskeyAuthenticationFailed = defineEvent(
  'PasskeyAuthenticationFailed',
  passkeyAuthenticationFailedSchema,
);
export type PasskeyAuthenticationFailed = EventOf<typeof PasskeyAuthenticationFailed>;
export const PasskeyAuthenticationSessionClosed = defineEvent(
  'PasskeyAuthenticationSessionClosed',
  passkeyAuthenticationSessionClosedSchema,
);
export type PasskeyAuthenticationSessionClosed = EventOf<typeof PasskeyAuthenticationSessionClosed>;
export const PasskeyStatusChanged = defineEvent('PasskeyStatusChanged', passkeyStatusChangedSchema);
export type PasskeyStatusChanged = EventOf<typeof PasskeyStatusChanged>;
export const PasskeyRenamed = defineEvent('PasskeyRenamed', passkeyRenamedSchema);
export type PasskeyRenamed = EventOf<typeof PasskeyRenamed>;
export const PasskeyDeregistered = defineEvent('PasskeyDeregistered', passkeyDeregisteredSchema);
export type PasskeyDeregistered = EventOf<typeof PasskeyDeregistered>;
export const PasskeySessionsExpired = defineEvent('PasskeySessionsExpired', passkeySessionsExpiredSchema);
export type PasskeySessionsExpired = EventOf<typeof PasskeySessionsExpired>;

export type PasskeyEvent =
  | PasskeyRegistrationStarted
  | PasskeyRegistrationCompleted
  | PasskeyRegistrationFailed
  | PasskeyAuthenticationStarted
  | PasskeyAuthenticationSucceeded
  | PasskeyAuthenticationFailed
  | PasskeyAuthenticationSessionClosed
  | PasskeyStatusChanged
  | PasskeyRenamed
  | PasskeyDeregistered
  | PasskeySessionsExpired;

export type PasskeyEventType = PasskeyEvent['type'];

/** Stored event definitions by type, e.g. to parse events read back from the event store. */
export const passkeyEvents = {
  PasskeyRegistrationStarted,
  PasskeyRegistrationCompleted,
  PasskeyRegistrationFailed,
  PasskeyAuthenticationStarted,
  PasskeyAuthenticationSucceeded,
  PasskeyAuthenticationFailed,
  PasskeyAuthenticationSessionClosed,
  PasskeyStatusChanged,
  PasskeyRenamed,
  PasskeyDeregistered,
  PasskeySessionsExpired,
} as const;

/** Validates a raw stored event (e.g. JSON from the event store) as a {@link PasskeyEvent}. */
export const parsePasskeyEvent = storedEventParser<PasskeyEvent>(passkeyEvents, 'passkey');

/** Fields of stored events that never leave the passkey service. */
const PRIVATE_FIELDS = [
  'sessionId',
  'storeId',
  'challenge',
  'userVerification',
  'allowCredentials',
  'publicKey',
] as const;

/**
 * Maps a stored passkey event to its integration event's `{ type, version, data }` (see
 * integrationFormOf). Every stored event has one: a stream's versions are published without holes.
 */
export const toPasskeyIntegrationEvent = (event: PasskeyEvent) =>
  integrationFormOf(passkeyIntegrationEvents[event.type], event.data, PRIVATE_FIELDS);

// ---------------------------------------------------------------------------------------------
// API resource and audit details.
// ---------------------------------------------------------------------------------------------

/** A user's passkey as the API returns it. Never the public key (it stays in the service). */
export const passkeyResourceSchema = z.object({
  id: z.string(),
  rpId: z.string(),
  credentialId: z.string().describe('The WebAuthn credential id (base64url).'),
  name: z.string().nullable(),
  status: passkeyStatusSchema,
  policyName: z.string().describe('The registration policy it was registered with.'),
  aaguid: z.string(),
  attestationFormat: z.string(),
  transports: z.array(z.string()),
  backupEligible: z.boolean(),
  backedUp: z.boolean(),
  deviceType: passkeyDeviceTypeSchema,
  authenticatorAttachment: passkeyAttachmentSchema.nullable(),
  userVerified: z.boolean().describe('Whether the user was verified at registration.'),
  signCount: signCount.describe(
    'The last signature counter seen (0: the authenticator keeps none, e.g. synced passkeys).',
  ),
  createdDtm: dtm,
  lastUsedDtm: dtm.nullable(),
});
export type PasskeyResource = z.infer<typeof passkeyResourceSchema>;

/** `passkeyInfo` of an audit: the passkey at the time (absent when no passkey has the credential). */
export const passkeyInfoSchema = z.object({
  id: z.string(),
  rpId: z.string(),
  credentialId: z.string(),
  name: z.string().nullable(),
  status: passkeyStatusSchema,
});
export type PasskeyInfo = z.infer<typeof passkeyInfoSchema>;

/** `passkeyAuditInfo` of an authentication audit (what a UI shows for a passkey authentication). */
export const passkeyAuditInfoSchema = z.object({
  rpId: z.string(),
  policyName: z.string(),
  credentialId: z.string(),
  usernameless: z.boolean(),
  hints: z.array(passkeyHintSchema),
  userVerified: z.boolean().nullable(),
  backedUp: z.boolean().nullable(),
  signCount: signCount.nullable(),
  previousSignCount: signCount.nullable(),
  counterRegression: z
    .boolean()
    .describe('The signature verified but its counter did not grow: a possibly cloned authenticator.'),
});
export type PasskeyAuditInfo = z.infer<typeof passkeyAuditInfoSchema>;

/** `passkeyRegistrationAuditInfo` of a registration audit: what the attestation said. */
export const passkeyRegistrationAuditInfoSchema = z.object({
  rpId: z.string(),
  policyName: z.string(),
  credentialId: z.string(),
  attestationFormat: z.string(),
  aaguid: z.string(),
  transports: z.array(z.string()),
  hints: z.array(passkeyHintSchema),
  userVerified: z.boolean(),
  backupEligible: z.boolean(),
  backedUp: z.boolean(),
  deviceType: passkeyDeviceTypeSchema,
  authenticatorAttachment: passkeyAttachmentSchema.nullable(),
  origin: z.string(),
});
export type PasskeyRegistrationAuditInfo = z.infer<typeof passkeyRegistrationAuditInfoSchema>;
