import {
  passkeyAttachmentSchema,
  passkeyDeviceTypeSchema,
  passkeyHintSchema,
  passkeyStatusSchema,
  passkeyUserVerificationSchema,
  recordById,
  stateTimestamp,
} from '@identity-store/contracts';
import { z } from 'zod';
import type {
  AuthenticationSession,
  PasskeyState,
  PasskeyUserState,
  RegistrationSession,
} from './passkey';

const passkeyState: z.ZodType<PasskeyState> = z.object({
  id: z.string(),
  storeId: z.string(),
  rpId: z.string(),
  credentialId: z.string(),
  publicKey: z.string(),
  name: z.string().nullable(),
  status: passkeyStatusSchema,
  policyName: z.string(),
  aaguid: z.string(),
  attestationFormat: z.string(),
  transports: z.array(z.string()),
  backupEligible: z.boolean(),
  backedUp: z.boolean(),
  deviceType: passkeyDeviceTypeSchema,
  authenticatorAttachment: passkeyAttachmentSchema.nullable(),
  userVerified: z.boolean(),
  signCount: z.number().int().nonnegative(),
  createdDtm: stateTimestamp,
  lastUsedDtm: stateTimestamp.nullable(),
});

const sessionBase = {
  id: z.string(),
  storeId: z.string(),
  startedDtm: stateTimestamp,
  rpId: z.string(),
  policyName: z.string(),
  challenge: z.string(),
  userVerification: passkeyUserVerificationSchema,
  hints: z.array(passkeyHintSchema),
  expiresDtm: stateTimestamp,
};

const registrationSession: z.ZodType<RegistrationSession> = z.object({
  kind: z.literal('REGISTRATION'),
  ...sessionBase,
});

const authenticationSession: z.ZodType<AuthenticationSession> = z.object({
  kind: z.literal('AUTHENTICATION'),
  ...sessionBase,
  allowCredentials: z.array(z.string()),
  usernameless: z.boolean(),
});

const passkeyUserState: z.ZodType<PasskeyUserState> = z.object({
  passkeys: recordById(passkeyState),
  sessions: recordById(z.union([registrationSession, authenticationSession])),
});

/**
 * Snapshots of the passkey aggregate (users' streams; a usernameless session's stream never grows
 * past a few events). Bump `version` whenever evolvePasskey or the state's shape changes: older
 * snapshots are then ignored (a load folds the stream from its start).
 */
export const passkeySnapshot = {
  version: 1,
  parse: (stored: unknown): PasskeyUserState => passkeyUserState.parse(stored),
};
