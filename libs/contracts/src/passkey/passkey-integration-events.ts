import { z } from 'zod';
import { defineEvents, type EventsOf } from '../events/event';
import { passkeyHintSchema } from '../identity/passkey-config';
import { sessionClosureReasonSchema } from '../passcode/passcode-integration-events';

/**
 * Passkey integration events (topic `identity-store.passkey`): what the passkey service publishes,
 * declared once. No session ids (a session id is a capability to complete a ceremony), challenges
 * or credential public keys; the stored events (libs/passkey domain/passkey.ts, private to the
 * passkey service) extend these schemas with them.
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
/**
 * The hints the client says it gave the user agent (a one-call completion's `hints`); absent when it
 * named none, the options' `hints` then being the ones used.
 */
const clientHints = hints.optional();
/** The user-visible name of a passkey; null: none given. */
export const passkeyNameSchema = z.string().trim().min(1).max(100);
const transports = z.array(z.string().min(1).max(32)).max(10);
const signCount = z.number().int().nonnegative();

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
  clientHints,
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
  clientHints,
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

/**
 * Integration event definitions by type (data schemas and versions of what is published). Every
 * stored event has one: a stream's versions are published without holes.
 */
export const passkeyIntegrationEvents = defineEvents({
  PasskeyRegistrationStarted: passkeyRegistrationStartedIntegrationSchema,
  PasskeyRegistrationCompleted: passkeyRegistrationCompletedIntegrationSchema,
  PasskeyRegistrationFailed: passkeyRegistrationFailedIntegrationSchema,
  PasskeyAuthenticationStarted: passkeyAuthenticationStartedIntegrationSchema,
  PasskeyAuthenticationSucceeded: passkeyAuthenticationSucceededIntegrationSchema,
  PasskeyAuthenticationFailed: passkeyAuthenticationFailedIntegrationSchema,
  PasskeyStatusChanged: passkeyStatusChangedIntegrationSchema,
  PasskeyRenamed: passkeyRenamedIntegrationSchema,
  PasskeyDeregistered: passkeyDeregisteredIntegrationSchema,
  PasskeyAuthenticationSessionClosed: passkeyAuthenticationSessionClosedIntegrationSchema,
  PasskeySessionsExpired: passkeySessionsExpiredIntegrationSchema,
});

export type PasskeyIntegrationEvent = EventsOf<typeof passkeyIntegrationEvents>;
