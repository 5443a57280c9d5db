import { z } from 'zod';
import {
  defineEvent,
  type EventOf,
  integrationFormOf,
  type StoredEvent,
  storedEventParser,
} from '../events/event';
import { passkeyHintSchema, passkeyUserVerificationSchema } from '../identity/passkey-config';
import { sessionClosureReasonSchema } from '../passcode/passcode-events';

/**
 * Passkey (WebAuthn L3) events.
 *
 * Stored events live in the stream `passkey-user-<userId>`: one aggregate per user holding the
 * user's passkeys (of every relying party of the store) and the user's open ceremony sessions. A
 * usernameless authentication starts before anyone knows the user: its session lives in a stream of
 * its own, `passkey-session-<sessionId>`, and the outcome is recorded in the user's stream once the
 * credential names the user.
 *
 * Integration events (topic `identity-store.passkey`) have the same type names and their fields
 * minus the session ids (a session id is a capability to complete a ceremony), the challenges and
 * the credential public keys (public, but no consumer needs them: they stay in the passkey
 * service's database); {@link toPasskeyIntegrationEvent} is the only way from one to the other.
 * Nothing here is secret: a passkey's private key never leaves its authenticator.
 *
 * All timestamps are ISO-8601 UTC strings (`Date.prototype.toISOString()`); binary values are
 * base64url without padding, as WebAuthn's JSON encoding has them.
 */

/** Stored status. REVOKED is final. */
export const passkeyStatusSchema = z.enum(['ACTIVE', 'SUSPENDED', 'REVOKED']);
export type PasskeyStatus = z.infer<typeof passkeyStatusSchema>;

/**
 * Why a ceremony failed. The checks of a response, in the order they are made:
 * - UNEXPECTED_TYPE: `clientDataJSON.type` is not the ceremony's (`webauthn.create` / `webauthn.get`);
 * - CHALLENGE_MISMATCH: the response signs another challenge than the session's (e.g. a replay);
 * - ORIGIN_MISMATCH: the origin is not one of the relying party configuration's `origins`;
 * - RP_ID_MISMATCH: the authenticator data is for another relying party id;
 * - USER_NOT_PRESENT: the UP flag is not set;
 * - USER_VERIFICATION_MISSING: the policy requires user verification and the UV flag is not set;
 * - INVALID_ATTESTATION / INVALID_ASSERTION: the WebAuthn library rejected what remains (attestation
 *   statement, algorithm, …);
 * authentication only:
 * - UNKNOWN_CREDENTIAL: no passkey of this user (usernameless: of this store) and relying party has
 *   the credential id, or the session did not allow it;
 * - USER_HANDLE_MISMATCH: the response's user handle is not the passkey owner's;
 * - PASSKEY_NOT_ACTIVE: the passkey is SUSPENDED or REVOKED;
 * - INVALID_SIGNATURE: the assertion signature does not verify with the passkey's public key;
 * - COUNTER_REGRESSION: a valid signature whose signature counter did not grow although the
 *   authenticator keeps one (a cloned authenticator?); flagged in the audit.
 */
export const passkeyFailureReasonSchema = z.enum([
  'UNEXPECTED_TYPE',
  'CHALLENGE_MISMATCH',
  'ORIGIN_MISMATCH',
  'RP_ID_MISMATCH',
  'USER_NOT_PRESENT',
  'USER_VERIFICATION_MISSING',
  'INVALID_ATTESTATION',
  'INVALID_ASSERTION',
  'UNKNOWN_CREDENTIAL',
  'USER_HANDLE_MISMATCH',
  'PASSKEY_NOT_ACTIVE',
  'INVALID_SIGNATURE',
  'COUNTER_REGRESSION',
]);
export type PasskeyFailureReason = z.infer<typeof passkeyFailureReasonSchema>;

/** DELETED: by id (`DELETE …/passkeys/{id}`). */
export const passkeyDeregistrationReasonSchema = z.enum(['DELETED']);

/** WebAuthn's credential device type: a passkey that may be synced (multiDevice) or not. */
export const passkeyDeviceTypeSchema = z.enum(['singleDevice', 'multiDevice']);
export const passkeyAttachmentSchema = z.enum(['platform', 'cross-platform']);

const id = z.string().min(1);
const dtm = z.iso.datetime();
/** base64url without padding (WebAuthn JSON). */
export const base64urlSchema = z.string().regex(/^[A-Za-z0-9_-]*$/, 'must be base64url without padding');
/** A WebAuthn credential id: at most 1023 bytes (WebAuthn L3 §5.8.3), base64url. */
export const credentialIdSchema = base64urlSchema.min(1).max(1364);
/** Free-form client context of a ceremony (device, IP, …), echoed into the audit. */
const context = z.record(z.string(), z.unknown()).optional();
const hints = z.array(passkeyHintSchema);
/** The user-visible name of a passkey; null: none given. */
export const passkeyNameSchema = z.string().trim().min(1).max(100);
const transports = z.array(z.string().min(1).max(32)).max(10);
const signCount = z.number().int().nonnegative();

// ---------------------------------------------------------------------------------------------
// Integration event data (no session ids, challenges or public keys). The stored schemas extend these.
// ---------------------------------------------------------------------------------------------

const ceremonyFields = { rpId: z.string().min(1), policyName: z.string().min(1) };

export const passkeyRegistrationStartedIntegrationSchema = z.object({
  ...ceremonyFields,
  expiresDtm: dtm,
  at: dtm,
});

/** What a verified attestation tells: also the registration audit (a function of this event alone). */
export const passkeyRegistrationCompletedIntegrationSchema = z.object({
  passkeyId: id,
  ...ceremonyFields,
  credentialId: credentialIdSchema,
  name: passkeyNameSchema.nullable(),
  /** The authenticator model (all zeros with `none` attestation, usually). */
  aaguid: z.string(),
  /** The attestation statement format: none, packed, tpm, apple, … */
  attestationFormat: z.string().min(1),
  transports,
  /** The hints the creation options carried, by decreasing preference. */
  hints,
  userVerified: z.boolean(),
  backupEligible: z.boolean(),
  backedUp: z.boolean(),
  deviceType: passkeyDeviceTypeSchema,
  authenticatorAttachment: passkeyAttachmentSchema.nullable(),
  origin: z.string(),
  signCount,
  createdDtm: dtm,
  context,
});

export const passkeyRegistrationFailedIntegrationSchema = z.object({
  ...ceremonyFields,
  reason: passkeyFailureReasonSchema,
  at: dtm,
  context,
});

export const passkeyAuthenticationStartedIntegrationSchema = z.object({
  ...ceremonyFields,
  /** A store-level start: no user named, the credential will name one (discoverable credentials). */
  usernameless: z.boolean(),
  expiresDtm: dtm,
  at: dtm,
});

/**
 * The outcome of checking an assertion. Carries what the audit shows (`passkeyInfo`,
 * `passkeyAuditInfo`), so the audit record is a function of the event alone.
 */
const assertionCheckedFields = {
  authenticationId: id,
  ...ceremonyFields,
  usernameless: z.boolean(),
  /** The hints the request options carried. */
  hints,
  at: dtm,
  context,
};

export const passkeyAuthenticationSucceededIntegrationSchema = z.object({
  ...assertionCheckedFields,
  passkeyId: id,
  credentialId: credentialIdSchema,
  name: passkeyNameSchema.nullable(),
  status: passkeyStatusSchema,
  userVerified: z.boolean(),
  backedUp: z.boolean(),
  /** The counter the authenticator signed, and the one stored before (both 0: a synced passkey). */
  signCount,
  previousSignCount: signCount,
  origin: z.string(),
});

export const passkeyAuthenticationFailedIntegrationSchema = z.object({
  ...assertionCheckedFields,
  /** The user's passkey the response named; null when none has its credential id. */
  passkeyId: id.nullable(),
  /** The credential id the response presented (whether or not a passkey has it). */
  credentialId: credentialIdSchema,
  name: passkeyNameSchema.nullable(),
  status: passkeyStatusSchema.nullable(),
  reason: passkeyFailureReasonSchema,
  /** A valid signature with a counter that did not grow (reason COUNTER_REGRESSION). */
  counterRegression: z.boolean(),
  /** What the authenticator data said, where the checks got that far. */
  userVerified: z.boolean().nullable(),
  signCount: signCount.nullable(),
  previousSignCount: signCount.nullable(),
});

export const passkeyStatusChangedIntegrationSchema = z.object({
  passkeyId: id,
  status: passkeyStatusSchema,
  at: dtm,
});

export const passkeyRenamedIntegrationSchema = z.object({
  passkeyId: id,
  name: passkeyNameSchema.nullable(),
  at: dtm,
});

export const passkeyDeregisteredIntegrationSchema = z.object({
  passkeyId: id,
  reason: passkeyDeregistrationReasonSchema,
  at: dtm,
});

/**
 * The last event of a usernameless session's stream: the session was used by the authentication
 * `authenticationId`, whose outcome the user's stream records. Published (without the session id)
 * so that every stream's versions reach the topic without holes.
 */
export const passkeyAuthenticationSessionClosedIntegrationSchema = z.object({
  authenticationId: id,
  at: dtm,
});

const closedSession = {
  kind: z.enum(['REGISTRATION', 'AUTHENTICATION']),
  ...ceremonyFields,
  usernameless: z.boolean(),
  expiresDtm: dtm,
};
/**
 * Open sessions closed without a ceremony: EXPIRED (the session sweeper, after their expiry; also a
 * usernameless session's own stream) or EVICTED (the user opened more than the cap allows).
 */
export const passkeySessionsExpiredIntegrationSchema = z.object({
  reason: sessionClosureReasonSchema,
  sessions: z.array(z.object(closedSession)).min(1),
  at: dtm,
});

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
  sessions: z.array(z.object({ sessionId: id, ...closedSession })).min(1),
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

// ---------------------------------------------------------------------------------------------
// Integration events (topic identity-store.passkey).
// ---------------------------------------------------------------------------------------------

/** Integration event definitions by type (data schemas and versions of what is published). */
export const passkeyIntegrationEvents = {
  PasskeyRegistrationStarted: defineEvent(
    'PasskeyRegistrationStarted',
    passkeyRegistrationStartedIntegrationSchema,
  ),
  PasskeyRegistrationCompleted: defineEvent(
    'PasskeyRegistrationCompleted',
    passkeyRegistrationCompletedIntegrationSchema,
  ),
  PasskeyRegistrationFailed: defineEvent(
    'PasskeyRegistrationFailed',
    passkeyRegistrationFailedIntegrationSchema,
  ),
  PasskeyAuthenticationStarted: defineEvent(
    'PasskeyAuthenticationStarted',
    passkeyAuthenticationStartedIntegrationSchema,
  ),
  PasskeyAuthenticationSucceeded: defineEvent(
    'PasskeyAuthenticationSucceeded',
    passkeyAuthenticationSucceededIntegrationSchema,
  ),
  PasskeyAuthenticationFailed: defineEvent(
    'PasskeyAuthenticationFailed',
    passkeyAuthenticationFailedIntegrationSchema,
  ),
  PasskeyStatusChanged: defineEvent('PasskeyStatusChanged', passkeyStatusChangedIntegrationSchema),
  PasskeyRenamed: defineEvent('PasskeyRenamed', passkeyRenamedIntegrationSchema),
  PasskeyDeregistered: defineEvent('PasskeyDeregistered', passkeyDeregisteredIntegrationSchema),
  PasskeyAuthenticationSessionClosed: defineEvent(
    'PasskeyAuthenticationSessionClosed',
    passkeyAuthenticationSessionClosedIntegrationSchema,
  ),
  PasskeySessionsExpired: defineEvent('PasskeySessionsExpired', passkeySessionsExpiredIntegrationSchema),
} as const;

export type PasskeyIntegrationEvent = {
  [K in keyof typeof passkeyIntegrationEvents]: EventOf<(typeof passkeyIntegrationEvents)[K]>;
}[keyof typeof passkeyIntegrationEvents];

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
