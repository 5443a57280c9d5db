import { z } from 'zod';
import { contextSchema } from '../api/common';
import { userSchema } from '../identity/user';
import { clientBiometricFailureReasonSchema } from './biometric-integration-events';

/**
 * Request and response bodies of the biometric operations. Images travel as base64 (standard or
 * URL alphabet, padding optional) of a JPEG or PNG file of at most 2 MiB; whether it holds exactly
 * one usable face is the matcher's answer (400 FACE_NOT_FOUND, MULTIPLE_FACES, LOW_QUALITY, …), not
 * a validation error of the body.
 */

/** 2 MiB of image bytes. */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
/** Base64 of {@link MAX_IMAGE_BYTES} bytes, padded. */
const MAX_IMAGE_BASE64 = Math.ceil(MAX_IMAGE_BYTES / 3) * 4;

export const imageSchema = z
  .string()
  .min(1)
  .max(MAX_IMAGE_BASE64, 'must be at most 2 MiB of image (base64)')
  .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'must be base64 (standard or URL alphabet)')
  .describe('A JPEG or PNG image, base64, at most 2 MiB: exactly one face, not too small.');

const context = contextSchema.optional().describe('Client context (device, IP, …) recorded in the audit.');

export const enrolBiometricBodySchema = z.object({ image: imageSchema, context }).strict();
export const authenticateFaceBodySchema = z.object({ image: imageSchema, context }).strict();
export const recordBiometricFailureBodySchema = z
  .object({
    reason: clientBiometricFailureReasonSchema.describe('Why the check failed on the client.'),
    context,
  })
  .strict();

export const faceAuthenticationResponseSchema = z.object({
  result: z.enum(['SUCCESS', 'FAILURE']),
  authenticationId: z.string(),
  reason: z.string().optional().describe('Why the authentication failed (FAILURE only).'),
  score: z.number().optional().describe('Cosine similarity of the probe to the enrolled template, when compared.'),
  user: userSchema,
});
