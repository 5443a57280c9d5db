import { z } from 'zod';
import { biometricTypeSchema, clientBiometricFailureReasonSchema, faceFailureReasonSchema, faceQualitySchema } from './biometric-integration-events';

/** Biometric API resources and audit details (public). Never a template or an image. */

const dtm = z.iso.datetime();

/** A user's enrolled biometric as the API returns it. */
export const biometricResourceSchema = z.object({
  id: z.string(),
  type: biometricTypeSchema,
  model: z.string().describe('The face-embedding model the template was made with.'),
  lockedUntil: dtm.nullable().describe('While in the future, the user’s biometrics are locked after failed attempts.'),
  createdDtm: dtm,
  lastUsedDtm: dtm.nullable(),
});
export type BiometricResource = z.infer<typeof biometricResourceSchema>;

/** `biometricAuditInfo` of an authentication audit (`type: Face`). */
export const biometricAuditInfoSchema = z.object({
  type: biometricTypeSchema,
  /** The probe's similarity to the template (absent for a failure the client reported). */
  score: z.number().nullable(),
  threshold: z.number().nullable(),
  liveness: z.number().nullable(),
  /** The failure was observed on the client and recorded through `…/authentications/failure`. */
  clientReported: z.boolean(),
  failureReason: z.union([faceFailureReasonSchema, clientBiometricFailureReasonSchema]).nullable(),
  failedAttempts: z.number().int().nonnegative(),
  locked: z.boolean(),
});
export type BiometricAuditInfo = z.infer<typeof biometricAuditInfoSchema>;

/** `biometricRegistrationAuditInfo` of a registration audit: the enrolment (never the template). */
export const biometricRegistrationAuditInfoSchema = z.object({
  type: biometricTypeSchema,
  model: z.string(),
  quality: faceQualitySchema,
  replacedBiometricId: z.string().nullable(),
});
export type BiometricRegistrationAuditInfo = z.infer<typeof biometricRegistrationAuditInfoSchema>;
