import { z } from 'zod';
import { dtmSchema } from '../api/common';
import { defineEvents, type EventsOf } from '../events/event';
import {
  appkeyConfigSchema,
  attributeSchemaSchema,
  passcodePolicySchema,
  passkeyConfigSchema,
  pushNotificationPolicySchema,
  totpPolicySchema,
} from './store';
import { biometricPolicySchema } from './biometric-policy';
import { userStatusSchema } from './user';

/**
 * Identity integration events (topic `identity-store.identity`), declared once. Store streams are
 * `store-<storeId>`, user streams `user-<userId>`. All but one carry no secrets, so the identity
 * service stores these very events (its stream unions are `StoreEvent` and `UserEvent` in
 * libs/identity `domain/store.ts` and `domain/user.ts`): the same type names with the same data. The
 * exception is `PushNotificationPolicySet`: its stored form holds the providers' private keys as
 * ciphertext, and it is published as declared here, with `privateKeyConfigured` instead.
 */
export const identityIntegrationEvents = defineEvents({
  StoreCreated: z.object({
    storeId: z.string(),
    name: z.string(),
    description: z.string().optional(),
    attributeSchema: attributeSchemaSchema,
    at: dtmSchema,
  }),
  StoreUpdated: z.object({
    storeId: z.string(),
    description: z.string().nullable().optional(),
    attributeSchema: attributeSchemaSchema.optional(),
    at: dtmSchema,
  }),
  StoreDeleted: z.object({ storeId: z.string(), name: z.string(), at: dtmSchema }),
  TotpPolicySet: z.object({ storeId: z.string(), policy: totpPolicySchema, at: dtmSchema }),
  TotpPolicyRemoved: z.object({ storeId: z.string(), name: z.string(), at: dtmSchema }),
  /** A passcode policy was added or replaced (the whole policy, as for TOTP policies). */
  PasscodePolicySet: z.object({ storeId: z.string(), policy: passcodePolicySchema, at: dtmSchema }),
  PasscodePolicyRemoved: z.object({ storeId: z.string(), name: z.string(), at: dtmSchema }),
  /** A passkey relying-party configuration was added or replaced (the whole configuration). */
  PasskeyConfigSet: z.object({ storeId: z.string(), config: passkeyConfigSchema, at: dtmSchema }),
  PasskeyConfigRemoved: z.object({ storeId: z.string(), rpId: z.string(), at: dtmSchema }),
  /** An appkey (FIDO UAF) configuration was added or replaced (the whole configuration). */
  AppkeyConfigSet: z.object({ storeId: z.string(), config: appkeyConfigSchema, at: dtmSchema }),
  AppkeyConfigRemoved: z.object({ storeId: z.string(), rpId: z.string(), at: dtmSchema }),
  /** A push notification policy was added or replaced: the whole policy, without its private keys. */
  PushNotificationPolicySet: z.object({ storeId: z.string(), policy: pushNotificationPolicySchema, at: dtmSchema }),
  PushNotificationPolicyRemoved: z.object({ storeId: z.string(), rpId: z.string(), at: dtmSchema }),
  /** The store's biometric policy was set or replaced (the whole policy, defaults filled in). */
  BiometricPolicySet: z.object({ storeId: z.string(), policy: biometricPolicySchema, at: dtmSchema }),
  /** The store's biometric policy was removed: the defaults apply again. */
  BiometricPolicyRemoved: z.object({ storeId: z.string(), at: dtmSchema }),
  UserCreated: z.object({
    userId: z.string(),
    storeId: z.string(),
    extId: z.string(),
    status: userStatusSchema,
    attributes: z.record(z.string(), z.unknown()),
    at: dtmSchema,
  }),
  UserUpdated: z.object({
    userId: z.string(),
    storeId: z.string(),
    extId: z.string().optional(),
    status: userStatusSchema.optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
    at: dtmSchema,
  }),
  UserDeleted: z.object({ userId: z.string(), storeId: z.string(), extId: z.string(), at: dtmSchema }),
});

export type IdentityIntegrationEvent = EventsOf<typeof identityIntegrationEvents>;

export const {
  StoreCreated,
  StoreUpdated,
  StoreDeleted,
  TotpPolicySet,
  TotpPolicyRemoved,
  PasscodePolicySet,
  PasscodePolicyRemoved,
  PasskeyConfigSet,
  PasskeyConfigRemoved,
  AppkeyConfigSet,
  AppkeyConfigRemoved,
  // Not PushNotificationPolicySet: its stored form is the identity service's own (libs/identity).
  PushNotificationPolicyRemoved,
  BiometricPolicySet,
  BiometricPolicyRemoved,
  UserCreated,
  UserUpdated,
  UserDeleted,
} = identityIntegrationEvents;
