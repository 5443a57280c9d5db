import { z } from 'zod';
import { totpAlgorithmSchema, totpDigitsSchema } from './totp-integration-events';

/**
 * The TOTP API resource (public). Request and response bodies are in totp-requests.ts, the events
 * the TOTP service publishes in totp-integration-events.ts; its stored events, with the ciphertext
 * of the shared secret, are private to it (libs/totp `domain/totp.ts`).
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
