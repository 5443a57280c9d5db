import { identityIntegrationEvents, topics } from '@identity-store/contracts';
import { integrationMessage, type PendingEvent } from '@identity-store/event-store';
import type { StoreEvent } from '../domain/store';
import { pushNotificationPolicyView } from '../domain/store-views';
import type { UserEvent } from '../domain/user';

// Identity events carry no secrets but one: the integration event is the stored one, at its schema
// version, except a PushNotificationPolicySet, published without the policy's (encrypted) keys.

/** The published data of a stored store event, checked by its integration schema (which keeps only its own fields). */
export const storeIntegrationData = (event: StoreEvent): Record<string, unknown> => {
  const data =
    event.type === 'PushNotificationPolicySet'
      ? { ...event.data, policy: pushNotificationPolicyView(event.data.policy) }
      : event.data;
  return identityIntegrationEvents[event.type].schema.parse(data) as Record<string, unknown>;
};

export const storeMessages = (recorded: PendingEvent<StoreEvent>[]) =>
  recorded.map((event) =>
    integrationMessage(event, topics.identity, {
      type: event.type,
      version: identityIntegrationEvents[event.type].version,
      // A pending event's Omit flattens the union: type and data are one stored event.
      data: storeIntegrationData({ type: event.type, data: event.data } as StoreEvent),
      storeId: event.data.storeId,
    }),
  );

export const userMessages = (recorded: PendingEvent<UserEvent>[]) =>
  recorded.map((event) =>
    integrationMessage(event, topics.identity, {
      type: event.type,
      version: identityIntegrationEvents[event.type].version,
      data: event.data,
      storeId: event.data.storeId,
      userId: event.data.userId,
    }),
  );
