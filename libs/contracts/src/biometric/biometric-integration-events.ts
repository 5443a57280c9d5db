import { z } from 'zod';
import { defineEvents, type EventsOf } from '../events/event';

/**
 * Biometric integration events (topic `identity-store.biometric`): what the biometric service
 * publishes. Never a face template (embedding) nor an image: the stored events (libs/biometric
 * domain/biometric.ts, private to the service) extend these with the template's ciphertext.
 * Timestamps are ISO-8601 UTC strings.
 */

/** The biometric types the API names in `…/biometrics/{type}`; only `face` is implemented. */
export const biometricTypeSchema = z.enum(['face']);
export type BiometricType = z.infer<typeof biometricTypeSchema>;

/**
 * Why a face authentication failed: NO_MATCH (the probe's similarity to the enrolled template is
 * below the policy's threshold), LIVENESS (the anti-spoofing/liveness score is below the policy's
 * threshold, when the policy requires liveness), BIOMETRIC_NOT_ACTIVE (the enrolment is suspended).
 */
export const faceFailureReasonSchema = z.enum(['NO_MATCH', 'LIVENESS', 'BIOMETRIC_NOT_ACTIVE']);
export type FaceFailureReason = z.infer<typeof faceFailureReasonSchema>;

/** What a client reports when the biometric check failed on the device (`…/authentications/failure`). */
export const clientBiometricFailureReasonSchema = z.enum([
  'NO_MATCH',
  'LIVENESS',
  'FACE_NOT_FOUND',
  'MULTIPLE_FACES',
  'LOW_QUALITY',
  'TIMEOUT',
  'USER_CANCELLED',
  'OTHER',
]);
export type ClientBiometricFailureReason = z.infer<typeof clientBiometricFailureReasonSchema>;

const id = z.string().min(1);
const dtm = z.iso.datetime();
const context = z.record(z.string(), z.unknown()).optional();
/** A similarity or liveness score, rounded to 4 decimals. */
const score = z.number().min(-1).max(1);

/** The face a template was made of: where it was in the image and how sure the detector was. */
export const faceQualitySchema = z.object({
  /** Detector confidence, 0–1. */
  detection: z.number().min(0).max(1),
  /** Width and height of the face box in pixels. */
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
});

export const biometricEnrolledIntegrationSchema = z.object({
  biometricId: id,
  type: biometricTypeSchema,
  /** The enrolment this one replaced (re-enrolment), if any. */
  replacedBiometricId: id.nullable(),
  quality: faceQualitySchema,
  /** The embedding model the template belongs to (a template only compares with one of its model). */
  model: z.string().min(1),
  at: dtm,
  context,
});

/** Failures and lockout (per user): what every failed attempt reports. */
const failureFields = {
  /** Consecutive failures of the user, this one included. */
  failedAttempts: z.number().int().min(1),
  /** Set when this failure locked the user's biometrics. */
  lockedUntil: dtm.nullable(),
};

export const faceAuthenticationSucceededIntegrationSchema = z.object({
  authenticationId: id,
  biometricId: id,
  type: biometricTypeSchema,
  score,
  threshold: score,
  liveness: score.nullable(),
  at: dtm,
  context,
});

export const faceAuthenticationFailedIntegrationSchema = z.object({
  authenticationId: id,
  biometricId: id,
  type: biometricTypeSchema,
  reason: faceFailureReasonSchema,
  score: score.nullable(),
  threshold: score,
  liveness: score.nullable(),
  ...failureFields,
  at: dtm,
  context,
});

export const biometricFailureRecordedIntegrationSchema = z.object({
  authenticationId: id,
  type: biometricTypeSchema,
  reason: clientBiometricFailureReasonSchema,
  ...failureFields,
  at: dtm,
  context,
});

export const biometricDeletedIntegrationSchema = z.object({
  biometricId: id,
  type: biometricTypeSchema,
  at: dtm,
});

/** Integration event definitions by type. Every stored event has one (no holes in a stream's versions). */
export const biometricIntegrationEvents = defineEvents({
  BiometricEnrolled: biometricEnrolledIntegrationSchema,
  FaceAuthenticationSucceeded: faceAuthenticationSucceededIntegrationSchema,
  FaceAuthenticationFailed: faceAuthenticationFailedIntegrationSchema,
  BiometricFailureRecorded: biometricFailureRecordedIntegrationSchema,
  BiometricDeleted: biometricDeletedIntegrationSchema,
});

export type BiometricIntegrationEvent = EventsOf<typeof biometricIntegrationEvents>;
