import { recordById, stateTimestamp, totpAlgorithmSchema, totpDigitsSchema } from '@identity-store/contracts';
import { z } from 'zod';
import type { TotpCredentialState, TotpUserState } from './totp';

const credentialState: z.ZodType<TotpCredentialState> = z.object({
  id: z.string(),
  policyName: z.string(),
  status: z.enum(['PENDING', 'ACTIVE', 'SUSPENDED']),
  algorithm: totpAlgorithmSchema,
  digits: totpDigitsSchema,
  period: z.number().int().positive(),
  window: z.number().int().nonnegative(),
  encryptedSecret: z.string(),
  createdDtm: stateTimestamp,
  lastUsedDtm: stateTimestamp.nullable(),
  lastUsedTimeStep: z.number().int().nullable(),
  failedAttempts: z.number().int().nonnegative(),
  lockedUntil: stateTimestamp.nullable(),
});

const totpUserState: z.ZodType<TotpUserState> = z.object({ credentials: recordById(credentialState) });

/**
 * Snapshots of the TOTP aggregate. Bump `version` whenever evolveTotp or the state's shape changes:
 * older snapshots are then ignored (a load folds the stream from its start).
 */
export const totpSnapshot = {
  version: 1,
  parse: (stored: unknown): TotpUserState => totpUserState.parse(stored),
};
