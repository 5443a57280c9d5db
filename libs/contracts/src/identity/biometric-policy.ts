import { z } from 'zod';
import { isoDurationSchema, storedIsoDurationSchema } from '../api/common';

/**
 * A store's biometricPolicy (beyond the seed; API.md "Biometrics"): how face authentications are
 * judged and when failures lock a user's biometrics. One per store; absent (null) means the
 * defaults below. The match threshold's default is chosen from the measured genuine and impostor
 * score distributions of the embedding model (docs/biometrics.md).
 */
export const biometricPolicyDefaults = {
  /**
   * Cosine similarity of face embeddings at or above which a probe matches: the face lib's
   * DEFAULT_MATCH_THRESHOLD, 0.05 above the highest impostor score measured (docs/biometrics.md).
   */
  matchThreshold: 0.75,
  /** Off by default: on still photos the liveness models separate poorly (docs/biometrics.md). */
  livenessRequired: false,
  /** Liveness score (the lower of antispoof and liveness) at or above which a probe is live, when required. */
  livenessThreshold: 0.3,
  maxFailedAttempts: 5,
  lockoutDuration: 'PT15M',
  /** The smallest face (box width and height, pixels) a template or probe is made of. */
  minFaceSize: 64,
} as const;

const d = biometricPolicyDefaults;
const fraction = z.number().min(0).max(1);

const policyFields = {
  matchThreshold: fraction.default(d.matchThreshold).describe('Cosine similarity at or above which a probe matches.'),
  livenessRequired: z.boolean().default(d.livenessRequired),
  livenessThreshold: fraction.default(d.livenessThreshold),
  maxFailedAttempts: z.number().int().min(1).max(100).default(d.maxFailedAttempts),
  lockoutDuration: isoDurationSchema.default(d.lockoutDuration),
  minFaceSize: z.number().int().min(32).max(1024).default(d.minFaceSize),
};

/** A biometric policy a request sets (whole, defaults filled in). */
export const biometricPolicyBodySchema = z.object(policyFields).strict();

/** An update: any subset of the fields, merged with the stored (or default) policy. */
export const updateBiometricPolicyBodySchema = z
  .object({
    matchThreshold: fraction,
    livenessRequired: z.boolean(),
    livenessThreshold: fraction,
    maxFailedAttempts: z.number().int().min(1).max(100),
    lockoutDuration: isoDurationSchema,
    minFaceSize: z.number().int().min(32).max(1024),
  })
  .partial()
  .strict();

/** A biometric policy as stored and answered. */
export const biometricPolicySchema = z
  .object({ ...policyFields, lockoutDuration: storedIsoDurationSchema.default(d.lockoutDuration) })
  .strict();
export type BiometricPolicy = z.output<typeof biometricPolicySchema>;

/** The policy a store's biometrics are judged by: its own, else the defaults. */
export const effectiveBiometricPolicy = (stored: BiometricPolicy | null | undefined): BiometricPolicy =>
  stored ?? biometricPolicySchema.parse({});
