import { z } from 'zod';
import { dtmSchema } from '../api/common';
import { defineEvent, type EventOf } from '../events/event';
import { attributeSchemaSchema, passcodePolicySchema, passkeyConfigSchema, totpPolicySchema } from './store';
import { userStatusSchema } from './user';

/**
 * Identity events. Store streams are `store-<storeId>`, user streams `user-<userId>`.
 * They carry no secrets, so the integration events on `identity-store.identity` are the same
 * type names with the same data.
 */
export const StoreCreated = defineEvent(
  'StoreCreated',
  z.object({
    storeId: z.string(),
    name: z.string(),
    description: z.string().optional(),
    attributeSchema: attributeSchemaSchema,
    at: dtmSchema,
  }),
);
export const StoreUpdated = defineEvent(
  'StoreUpdated',
  z.object({
    storeId: z.string(),
    description: z.string().nullable().optional(),
    attributeSchema: attributeSchemaSchema.optional(),
    at: dtmSchema,
  }),
);
export const StoreDeleted = defineEvent('StoreDeleted', z.object({ storeId: z.string(), name: z.string(), at: dtmSchema }));
export const TotpPolicySet = defineEvent(
  'TotpPolicySet',
  z.object({ storeId: z.string(), policy: totpPolicySchema, at: dtmSchema }),
);
export const TotpPolicyRemoved = defineEvent(
  'TotpPolicyRemoved',
  z.object({ storeId: z.string(), name: z.string(), at: dtmSchema }),
);
/** A passcode policy was added or replaced (the whole policy, as for TOTP policies). */
export const PasscodePolicySet = defineEvent(
  'PasscodePolicySet',
  z.object({ storeId: z.string(), policy: passcodePolicySchema, at: dtmSchema }),
);
export const PasscodePolicyRemoved = defineEvent(
  'PasscodePolicyRemoved',
  z.object({ storeId: z.string(), name: z.string(), at: dtmSchema }),
);
/** A passkey relying-party configuration was added or replaced (the whole configuration). */
export const PasskeyConfigSet = defineEvent(
  'PasskeyConfigSet',
  z.object({ storeId: z.string(), config: passkeyConfigSchema, at: dtmSchema }),
);
export const PasskeyConfigRemoved = defineEvent(
  'PasskeyConfigRemoved',
  z.object({ storeId: z.string(), rpId: z.string(), at: dtmSchema }),
);

export const UserCreated = defineEvent(
  'UserCreated',
  z.object({
    userId: z.string(),
    storeId: z.string(),
    extId: z.string(),
    status: userStatusSchema,
    attributes: z.record(z.string(), z.unknown()),
    at: dtmSchema,
  }),
);
export const UserUpdated = defineEvent(
  'UserUpdated',
  z.object({
    userId: z.string(),
    storeId: z.string(),
    extId: z.string().optional(),
    status: userStatusSchema.optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
    at: dtmSchema,
  }),
);
export const UserDeleted = defineEvent(
  'UserDeleted',
  z.object({ userId: z.string(), storeId: z.string(), extId: z.string(), at: dtmSchema }),
);

export type StoreEvent =
  | EventOf<typeof StoreCreated>
  | EventOf<typeof StoreUpdated>
  | EventOf<typeof StoreDeleted>
  | EventOf<typeof TotpPolicySet>
  | EventOf<typeof TotpPolicyRemoved>
  | EventOf<typeof PasscodePolicySet>
  | EventOf<typeof PasscodePolicyRemoved>
  | EventOf<typeof PasskeyConfigSet>
  | EventOf<typeof PasskeyConfigRemoved>;
export type UserEvent = EventOf<typeof UserCreated> | EventOf<typeof UserUpdated> | EventOf<typeof UserDeleted>;

export const identityEvents = {
  StoreCreated,
  StoreUpdated,
  StoreDeleted,
  TotpPolicySet,
  TotpPolicyRemoved,
  PasscodePolicySet,
  PasscodePolicyRemoved,
  PasskeyConfigSet,
  PasskeyConfigRemoved,
  UserCreated,
  UserUpdated,
  UserDeleted,
};
