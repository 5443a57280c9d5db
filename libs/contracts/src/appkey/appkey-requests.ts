import { z } from 'zod';
import { contextSchema, dtmSchema, policyNameSchema } from '../api/common';
import { extIdField, oneUserRef, userIdField } from '../api/store-level-user';
import { passkeyHintSchema } from '../identity/passkey-config';
import { userSchema } from '../identity/user';
import {
  appkeyDeviceSchema,
  appkeyNameSchema,
  appkeyStatusSchema,
  deviceIdSchema,
} from './appkey-integration-events';

/**
 * Request and response bodies of the appkey operations. UAF messages travel as JSON text in a
 * string (`uafRequest`, `uafResponse`), as FIDO UAF clients hand them over: whether a response
 * verifies is the ceremony's outcome, not a validation error; one that cannot be read at all is a
 * 400 `INVALID_UAF_RESPONSE` that changes nothing.
 */

/** A UAF message as JSON text: 64 KiB hold a Basic Full attestation chain with room to spare. */
const uafMessage = z.string().min(2).max(65_536);

const context = contextSchema.optional().describe('Client context (device, IP, …) recorded in the audit.');
const hints = z
  .array(passkeyHintSchema)
  .max(3)
  .optional()
  .describe('The hints the client used, by decreasing preference (recorded in the audit; not requirements).');

/** The device a key is registered from (push reaches it through its token). */
export const appkeyDeviceInputSchema = appkeyDeviceSchema
  .extend({
    name: z.string().min(1).max(100).optional(),
    pushToken: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,4096}$/, 'must be an APNs device token or an FCM registration token')
      .optional()
      .describe('APNs device token (IOS) or FCM registration token (ANDROID). Write-only.'),
  })
  .strict();
export type AppkeyDeviceInput = z.infer<typeof appkeyDeviceInputSchema>;

const registrationFields = {
  uafResponse: uafMessage.describe('The UAF RegistrationResponse array as JSON text.'),
  device: appkeyDeviceInputSchema,
  name: appkeyNameSchema.optional().describe('A name for the appkey (shown in lists).'),
  hints,
  context,
};

export const completeAppkeyRegistrationBodySchema = z.object(registrationFields).strict();

const oneCallFields = {
  userId: userIdField.optional(),
  extId: extIdField.optional(),
  rpId: z.string().min(1).max(253).describe('The relying party of the store’s appkey configuration.'),
  policyName: policyNameSchema,
};

export const registerAppkeyBodySchema = z
  .object({ ...oneCallFields, ...registrationFields })
  .strict()
  .check(oneUserRef);

const authenticationFields = {
  uafResponse: uafMessage.describe('The UAF AuthenticationResponse array as JSON text.'),
  context,
};

export const completeAppkeyAuthenticationBodySchema = z.object(authenticationFields).strict();

export const authenticateAppkeyBodySchema = z
  .object({ ...oneCallFields, ...authenticationFields })
  .strict()
  .check(oneUserRef);

/** Authentication start: optionally only one device's keys, and a transaction to confirm. */
export const startAppkeyAuthenticationBodySchema = z
  .object({
    deviceId: deviceIdSchema.optional().describe('Only this device’s keys may answer (and only it is pushed to).'),
    transaction: z
      .string()
      .regex(/^[\x20-\x7E]{1,200}$/, 'must be 1–200 printable ASCII characters (UAF text/plain transaction)')
      .optional()
      .describe('Text the authenticator shows and the user confirms (UAF transaction confirmation, text/plain).'),
    push: z.boolean().default(true).describe('Send a push to the preferred devices when the relying party has a push policy.'),
  })
  .strict();

export const appkeyDeregistrationBodySchema = z
  .object({
    types: z.array(z.enum(['DEVICE', 'BIOMETRIC', 'ALL'])).min(1).max(3),
    deviceId: deviceIdSchema.optional().describe('Only this device’s keys.'),
  })
  .strict();

export const preferredDevicesBodySchema = z
  .object({
    deviceIds: z
      .array(deviceIdSchema)
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a device')
      .describe('The preferred devices, most preferred first (replaces the list).'),
  })
  .strict();

export const updateAppkeyBodySchema = z
  .object({
    status: appkeyStatusSchema.describe('REVOKED is final.'),
    name: appkeyNameSchema.nullable().describe('null removes the name.'),
  })
  .partial()
  .strict()
  .refine((body) => body.status !== undefined || body.name !== undefined, { message: 'must set status or name' });

const sessionId = z.string().describe('Ceremony session id: single-use, expires at `expiresDtm`, valid in this store only.');

export const appkeyRegistrationStartResponseSchema = z.object({
  sessionId,
  uafRequest: z.string().describe('The UAF RegistrationRequest array as JSON text, for the device’s UAF client.'),
  expiresDtm: dtmSchema,
});

export const appkeyAuthenticationStartResponseSchema = z.object({
  sessionId,
  uafRequest: z.string().describe('The UAF AuthenticationRequest array as JSON text, for the device’s UAF client.'),
  expiresDtm: dtmSchema,
  pushed: z.array(z.string()).describe('The devices a push notification was sent to.'),
});

export const appkeyAuthenticationResponseSchema = z.object({
  result: z.enum(['SUCCESS', 'FAILURE']),
  authenticationId: z.string(),
  reason: z.string().optional().describe('Why the authentication failed (FAILURE only).'),
  keyId: z.string().optional(),
  deviceId: z.string().optional(),
  user: userSchema,
});

export const appkeyDeregistrationResponseSchema = userSchema.extend({
  uafRequest: z
    .string()
    .describe('The UAF DeregistrationRequest array as JSON text, for the app to run on the device (removes the keys there).'),
});
