import { stateTimestamp } from '@identity-store/contracts';
import { z } from 'zod';
import type { BiometricUserState } from './biometric';

const biometricUserState: z.ZodType<BiometricUserState> = z.object({
  face: z
    .object({
      biometricId: z.string(),
      encryptedTemplate: z.string(),
      model: z.string(),
      enrolledDtm: stateTimestamp,
      lastUsedDtm: stateTimestamp.nullable(),
    })
    .nullable(),
  failedAttempts: z.number().int().nonnegative(),
  lockedUntil: stateTimestamp.nullable(),
});

/**
 * Snapshots of the biometric aggregate (the template stays the ciphertext it is in the events).
 * Bump `version` whenever evolveBiometric or the state's shape changes.
 */
export const biometricSnapshot = {
  version: 1,
  parse: (stored: unknown): BiometricUserState => biometricUserState.parse(stored),
};
