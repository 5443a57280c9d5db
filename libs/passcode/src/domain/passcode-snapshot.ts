import {
  passcodeCeremonySchema,
  passcodeKdfSchema,
  passcodeStatusSchema,
  recordById,
  srpGroupSchema,
  srpHashSchema,
  stateTimestamp,
} from '@identity-store/contracts';
import { z } from 'zod';
import type {
  ChallengeSession,
  DecoySession,
  PasscodeState,
  PasscodeUserState,
  RegistrationSession,
} from './passcode';

/** Checked as a policy's KDF is (a snapshot of a KDF refused by today's bounds is ignored: folded anew). */
const kdf = passcodeKdfSchema.nullable();

const passcodeState: z.ZodType<PasscodeState> = z.object({
  id: z.string(),
  policyName: z.string(),
  status: passcodeStatusSchema,
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  encryptedSalt: z.string(),
  encryptedVerifier: z.string(),
  createdDtm: stateTimestamp,
  lastUsedDtm: stateTimestamp.nullable(),
  expirationDtm: stateTimestamp.nullable(),
  failedAttempts: z.number().int().nonnegative(),
  lockedUntil: stateTimestamp.nullable(),
  kdf,
});

const sessionBase = {
  id: z.string(),
  storeId: z.string(),
  startedDtm: stateTimestamp,
  expiresDtm: stateTimestamp,
};

const registrationSession: z.ZodType<RegistrationSession> = z.object({
  kind: z.literal('REGISTRATION'),
  ...sessionBase,
  policyName: z.string(),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  kdf,
});

const challengeSession: z.ZodType<ChallengeSession> = z.object({
  kind: passcodeCeremonySchema,
  ...sessionBase,
  passcodeId: z.string(),
  B: z.string(),
  encryptedB: z.string(),
  newKdf: kdf.optional(),
});

const decoySession: z.ZodType<DecoySession> = z.object({
  kind: z.literal('DECOY'),
  ...sessionBase,
  policyName: z.string(),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  B: z.string(),
  encryptedB: z.string(),
});

const passcodeUserState: z.ZodType<PasscodeUserState> = z.object({
  passcodes: recordById(passcodeState),
  sessions: recordById(z.union([registrationSession, challengeSession, decoySession])),
});

/**
 * Snapshots of the passcode aggregate. Bump `version` whenever evolvePasscode or the state's shape
 * changes: older snapshots are then ignored (a load folds the stream from its start).
 */
export const passcodeSnapshot = {
  version: 1,
  parse: (stored: unknown): PasscodeUserState => passcodeUserState.parse(stored),
};
