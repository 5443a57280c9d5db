import type { EventOfType } from '../events/event';
import { identityIntegrationEvents } from './identity-integration-events';

/**
 * Identity events as the identity service stores them. Store streams are `store-<storeId>`, user
 * streams `user-<userId>`. They carry no secrets, so they are the integration events on
 * `identity-store.identity` (identity-integration-events.ts): the same type names with the same data.
 */
export const identityEvents = identityIntegrationEvents;

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
  UserCreated,
  UserUpdated,
  UserDeleted,
} = identityEvents;

/** The events of a store's stream (`store-<storeId>`). */
export type StoreEvent = EventOfType<
  typeof identityEvents,
  | 'StoreCreated'
  | 'StoreUpdated'
  | 'StoreDeleted'
  | 'TotpPolicySet'
  | 'TotpPolicyRemoved'
  | 'PasscodePolicySet'
  | 'PasscodePolicyRemoved'
  | 'PasskeyConfigSet'
  | 'PasskeyConfigRemoved'
>;
/** The events of a user's stream (`user-<userId>`). */
export type UserEvent = EventOfType<typeof identityEvents, 'UserCreated' | 'UserUpdated' | 'UserDeleted'>;
