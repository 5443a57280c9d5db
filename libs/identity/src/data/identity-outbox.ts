import { identityIntegrationEvents, topics } from '@identity-store/contracts';
import { integrationMessage, type PendingEvent } from '@identity-store/event-store';
import type { StoreEvent } from '../domain/store';
import type { UserEvent } from '../domain/user';

// Identity events carry no secrets: the integration event is the stored one, at its schema version.

export const storeMessages = (recorded: PendingEvent<StoreEvent>[]) =>
  recorded.map((event) =>
    integrationMessage(event, topics.identity, {
      type: event.type,
      version: identityIntegrationEvents[event.type].version,
      data: event.data,
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
