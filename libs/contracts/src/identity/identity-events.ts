import { z } from 'zod';
import { dtmSchema } from '../api/common';
import { defineEvent, type EventOf } from '../events/event';
import { attributeSchemaSchema, totpPolicySchema } from './store';
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
  | EventOf<typeof TotpPolicyRemoved>;
export type UserEvent = EventOf<typeof UserCreated> | EventOf<typeof UserUpdated> | EventOf<typeof UserDeleted>;

export const identityEvents = { StoreCreated, StoreUpdated, StoreDeleted, TotpPolicySet, TotpPolicyRemoved, UserCreated, UserUpdated, UserDeleted };
