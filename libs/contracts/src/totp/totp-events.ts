import { z } from 'zod';
import { totpAlgorithmSchema, totpDigitsSchema } from './totp-integration-events';

/**
 * The TOTP API resource. The TOTP events published are in totp-integration-events.ts; the stored
 * events, with the ciphertext of the shared secret, are private to the TOTP service (libs/totp
 * `domain/totp.ts`, which also maps them to the integration events).
 */

const dtm = z.iso.datetime();

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
