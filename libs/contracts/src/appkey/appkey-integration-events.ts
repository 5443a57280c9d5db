import { z } from 'zod';
import { defineEvents, type EventsOf } from '../events/event';
import { passkeyHintSchema } from '../identity/passkey-config';
import { sessionClosureReasonSchema } from '../passcode/passcode-integration-events';

/**
 * Appkey integration events (topic `identity-store.appkey`): what the appkey service publishes.
 * No session ids (a session id is a capability to complete a ceremony), challenges, public keys or
 * push tokens; the stored events (libs/appkey domain/appkey.ts, private to the appkey service)
 * extend these schemas with them. Timestamps are ISO-8601 UTC strings; key ids are base64url as
 * FIDO UAF writes them.
 */

/** Stored status. REVOKED is final. */
export const appkeyStatusSchema = z.enum(['ACTIVE', 'SUSPENDED', 'REVOKED']);
export type AppkeyStatus = z.infer<typeof appkeyStatusSchema>;

/** The platform of the device that holds the key (push goes through APNs for IOS, FCM for ANDROID). */
export const appkeyPlatformSchema = z.enum(['IOS', 'ANDROID', 'WEB']);
export type AppkeyPlatform = z.infer<typeof appkeyPlatformSchema>;

/**
 * The type of a registered key: DEVICE (unlocked by the device: presence, passcode) or BIOMETRIC (by
 * a biometric matcher); from the registration policy's keyTypes.
 */
export const registeredAppkeyTypeSchema = z.enum(['DEVICE', 'BIOMETRIC']);
export type RegisteredAppkeyType = z.infer<typeof registeredAppkeyTypeSchema>;

/** UAF attestation types (Registry of Predefined Values §3.6): Basic Full (certificate chain) or Basic Surrogate. */
export const appkeyAttestationTypeSchema = z.enum(['BASIC_FULL', 'BASIC_SURROGATE']);

/** The leaf attestation certificate of a Basic Full attestation, as audits show it. */
export const attestationCertificateSchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  serialNumber: z.string(),
  fingerprint256: z.string(),
});

/**
 * Why a ceremony failed (the checks of a UAF response, roughly in the order they are made):
 * APPID_MISMATCH, FACET_NOT_TRUSTED, CHALLENGE_MISMATCH, SERVER_DATA_MISMATCH, FINAL_CHALLENGE_MISMATCH
 * (the final challenge parameters), UNSUPPORTED_ASSERTION_SCHEME, UNSUPPORTED_ALGORITHM, ALGORITHM_MISMATCH
 * (not the key's registered algorithm), UNKNOWN_CRITICAL_EXTENSION, UNSUPPORTED_ATTESTATION,
 * ATTESTATION_INVALID / ATTESTATION_UNTRUSTED (registration), POLICY_NOT_SATISFIED (an authenticator the
 * policy does not accept), SIGNATURE_INVALID,
 * UNKNOWN_KEY (no ACTIVE key of this user, relying party and session has the key id), APPKEY_NOT_ACTIVE,
 * TRANSACTION_MISMATCH (the confirmed transaction is not the one shown), COUNTER_REGRESSION (a valid
 * signature whose counter did not grow: a cloned authenticator?).
 */
export const appkeyFailureReasonSchema = z.enum([
  'APPID_MISMATCH',
  'FACET_NOT_TRUSTED',
  'CHALLENGE_MISMATCH',
  'SERVER_DATA_MISMATCH',
  'FINAL_CHALLENGE_MISMATCH',
  'UNSUPPORTED_ASSERTION_SCHEME',
  'UNSUPPORTED_ALGORITHM',
  'ALGORITHM_MISMATCH',
  'UNKNOWN_CRITICAL_EXTENSION',
  'UNSUPPORTED_ATTESTATION',
  'ATTESTATION_INVALID',
  'ATTESTATION_UNTRUSTED',
  'POLICY_NOT_SATISFIED',
  'SIGNATURE_INVALID',
  'UNKNOWN_KEY',
  'APPKEY_NOT_ACTIVE',
  'TRANSACTION_MISMATCH',
  'COUNTER_REGRESSION',
]);
export type AppkeyFailureReason = z.infer<typeof appkeyFailureReasonSchema>;

/**
 * Why an appkey is gone: DELETED (by id), KEY_ID_DELETED (by its UAF key id), DEREGISTERED (a
 * deregistration of its relying party), REPLACED (the same device registered a new key of the same
 * relying party and key type).
 */
export const appkeyDeregistrationReasonSchema = z.enum(['DELETED', 'KEY_ID_DELETED', 'DEREGISTERED', 'REPLACED']);

export const appkeyNameSchema = z.string().trim().min(1).max(100);
/** A device id chosen by the app (stable per installation). */
export const deviceIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits or . _ : -');

const id = z.string().min(1);
const dtm = z.iso.datetime();
const context = z.record(z.string(), z.unknown()).optional();
const counter = z.number().int().min(0).max(0xffffffff);

export const appkeyDeviceSchema = z.object({
  deviceId: deviceIdSchema,
  name: z.string().min(1).max(100).nullable(),
  platform: appkeyPlatformSchema,
});
export type AppkeyDevice = z.infer<typeof appkeyDeviceSchema>;

const ceremonyFields = { rpId: z.string().min(1), policyName: z.string().min(1) };

export const appkeyRegistrationStartedIntegrationSchema = z.object({ ...ceremonyFields, expiresDtm: dtm, at: dtm });

/** What a verified registration tells: also the registration audit (a function of this event alone). */
export const appkeyRegistrationCompletedIntegrationSchema = z.object({
  appkeyId: id,
  ...ceremonyFields,
  keyId: z.string().min(1),
  aaid: z.string(),
  keyType: registeredAppkeyTypeSchema,
  attestationType: appkeyAttestationTypeSchema,
  /** The leaf attestation certificate (Basic Full). */
  attestationCertificate: attestationCertificateSchema.nullable(),
  facetId: z.string(),
  authenticatorVersion: z.number().int(),
  signAlgorithm: z.number().int(),
  device: appkeyDeviceSchema,
  name: appkeyNameSchema.nullable(),
  /** The registration policy's hints, by decreasing preference. */
  hints: z.array(passkeyHintSchema),
  signCounter: counter,
  createdDtm: dtm,
  context,
});

export const appkeyRegistrationFailedIntegrationSchema = z.object({
  ...ceremonyFields,
  reason: appkeyFailureReasonSchema,
  at: dtm,
  context,
});

export const appkeyAuthenticationStartedIntegrationSchema = z.object({
  ...ceremonyFields,
  /** A transaction text was sent for confirmation. */
  transaction: z.boolean(),
  expiresDtm: dtm,
  at: dtm,
});

/** Pushes of an authentication start, one outcome per device (a failure never fails the start). */
export const appkeyPushesSentIntegrationSchema = z.object({
  rpId: z.string().min(1),
  outcomes: z
    .array(
      z.object({
        deviceId: deviceIdSchema,
        provider: z.enum(['APNS', 'FCM', 'NONE']),
        status: z.enum(['SENT', 'FAILED', 'UNREGISTERED', 'RATE_LIMITED']),
        reason: z.string().max(200).optional(),
      }),
    )
    .min(1),
  at: dtm,
});

const assertionFields = {
  authenticationId: id,
  ...ceremonyFields,
  at: dtm,
  context,
};

export const appkeyAuthenticationSucceededIntegrationSchema = z.object({
  ...assertionFields,
  appkeyId: id,
  keyId: z.string().min(1),
  deviceId: deviceIdSchema,
  aaid: z.string(),
  transactionConfirmed: z.boolean(),
  signCounter: counter,
  previousSignCounter: counter,
});

export const appkeyAuthenticationFailedIntegrationSchema = z.object({
  ...assertionFields,
  /** The user's appkey the response named, when one has its key id. */
  appkeyId: id.nullable(),
  keyId: z.string().nullable(),
  deviceId: deviceIdSchema.nullable(),
  reason: appkeyFailureReasonSchema,
  counterRegression: z.boolean(),
  /** Consecutive failures of the user for this relying party, this one included. */
  failedAttempts: z.number().int().min(1),
  /** Set when this failure locked the relying party's appkeys of the user. */
  lockedUntil: dtm.nullable(),
});

export const appkeyStatusChangedIntegrationSchema = z.object({ appkeyId: id, status: appkeyStatusSchema, at: dtm });
export const appkeyRenamedIntegrationSchema = z.object({ appkeyId: id, name: appkeyNameSchema.nullable(), at: dtm });
export const appkeyDeregisteredIntegrationSchema = z.object({
  appkeyId: id,
  rpId: z.string().min(1),
  keyId: z.string().min(1),
  deviceId: deviceIdSchema,
  reason: appkeyDeregistrationReasonSchema,
  at: dtm,
});

/** The user's preferred devices of a relying party (ordered; empty: none preferred, push goes to all). */
export const appkeyPreferredDevicesSetIntegrationSchema = z.object({
  rpId: z.string().min(1),
  deviceIds: z.array(deviceIdSchema),
  at: dtm,
});

export const appkeySessionsExpiredIntegrationSchema = z.object({
  reason: sessionClosureReasonSchema,
  sessions: z
    .array(z.object({ kind: z.enum(['REGISTRATION', 'AUTHENTICATION']), ...ceremonyFields, expiresDtm: dtm }))
    .min(1),
  at: dtm,
});

/** Integration event definitions by type. Every stored event has one (no holes in a stream's versions). */
export const appkeyIntegrationEvents = defineEvents({
  AppkeyRegistrationStarted: appkeyRegistrationStartedIntegrationSchema,
  AppkeyRegistrationCompleted: appkeyRegistrationCompletedIntegrationSchema,
  AppkeyRegistrationFailed: appkeyRegistrationFailedIntegrationSchema,
  AppkeyAuthenticationStarted: appkeyAuthenticationStartedIntegrationSchema,
  AppkeyPushesSent: appkeyPushesSentIntegrationSchema,
  AppkeyAuthenticationSucceeded: appkeyAuthenticationSucceededIntegrationSchema,
  AppkeyAuthenticationFailed: appkeyAuthenticationFailedIntegrationSchema,
  AppkeyStatusChanged: appkeyStatusChangedIntegrationSchema,
  AppkeyRenamed: appkeyRenamedIntegrationSchema,
  AppkeyDeregistered: appkeyDeregisteredIntegrationSchema,
  AppkeyPreferredDevicesSet: appkeyPreferredDevicesSetIntegrationSchema,
  AppkeySessionsExpired: appkeySessionsExpiredIntegrationSchema,
});

export type AppkeyIntegrationEvent = EventsOf<typeof appkeyIntegrationEvents>;
