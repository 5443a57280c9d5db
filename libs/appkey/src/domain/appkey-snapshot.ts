import {
  appkeyAttestationTypeSchema,
  registeredAppkeyTypeSchema,
  appkeyPlatformSchema,
  appkeyStatusSchema,
  passkeyHintSchema,
  recordById,
  stateTimestamp,
} from '@identity-store/contracts';
import { z } from 'zod';
import type {
  AppkeyState,
  AppkeyUserState,
  AuthenticationSession,
  DeviceState,
  RegistrationSession,
  RelyingPartyState,
} from './appkey';

const appkeyState: z.ZodType<AppkeyState> = z.object({
  id: z.string(),
  storeId: z.string(),
  rpId: z.string(),
  keyId: z.string(),
  aaid: z.string(),
  publicKey: z.string(),
  signAlgorithm: z.number().int(),
  keyType: registeredAppkeyTypeSchema,
  deviceId: z.string(),
  name: z.string().nullable(),
  status: appkeyStatusSchema,
  policyName: z.string(),
  attestationType: appkeyAttestationTypeSchema,
  signCounter: z.number().int().nonnegative(),
  createdDtm: stateTimestamp,
  lastUsedDtm: stateTimestamp.nullable(),
});

const deviceState: z.ZodType<DeviceState> = z.object({
  deviceId: z.string(),
  name: z.string().nullable(),
  platform: appkeyPlatformSchema,
  pushToken: z.string().nullable(),
});

const relyingPartyState: z.ZodType<RelyingPartyState> = z.object({
  preferredDevices: z.array(z.string()),
  failedAttempts: z.number().int().nonnegative(),
  lockedUntil: stateTimestamp.nullable(),
});

const sessionBase = {
  id: z.string(),
  storeId: z.string(),
  startedDtm: stateTimestamp,
  expiresDtm: stateTimestamp,
  rpId: z.string(),
  policyName: z.string(),
  challenge: z.string(),
  hints: z.array(passkeyHintSchema),
};

const registrationSession: z.ZodType<RegistrationSession> = z.object({
  kind: z.literal('REGISTRATION'),
  ...sessionBase,
});

const authenticationSession: z.ZodType<AuthenticationSession> = z.object({
  kind: z.literal('AUTHENTICATION'),
  ...sessionBase,
  allowedKeyIds: z.array(z.string()),
  transactionContent: z.string().nullable(),
});

const appkeyUserState: z.ZodType<AppkeyUserState> = z.object({
  appkeys: recordById(appkeyState),
  devices: z
    .record(z.string(), deviceState)
    .refine(
      (devices) => Object.entries(devices).every(([key, device]) => device.deviceId === key),
      'not keyed by device id',
    ),
  relyingParties: z.record(z.string(), relyingPartyState),
  sessions: recordById(z.union([registrationSession, authenticationSession])),
});

/**
 * Snapshots of the appkey aggregate (users' streams). Bump `version` whenever evolveAppkey or the
 * state's shape changes: older snapshots are then ignored (a load folds the stream from its start).
 */
export const appkeySnapshot = {
  version: 1,
  parse: (stored: unknown): AppkeyUserState => appkeyUserState.parse(stored),
};
