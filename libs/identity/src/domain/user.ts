import type { EventOfType, identityIntegrationEvents, UserRecord } from '@identity-store/contracts';

/**
 * The user aggregate (stream `user-<userId>`): a user of a store, with its external id, status and
 * attributes. Its stored events carry no secrets and are published on `identity-store.identity` as
 * they are, so they are declared once, as integration events in contracts
 * (identity-integration-events.ts); the stream holds these of them.
 */
export type UserEvent = EventOfType<typeof identityIntegrationEvents, 'UserCreated' | 'UserUpdated' | 'UserDeleted'>;

export const userStreamId = (userId: string) => `user-${userId}`;

export interface UserState {
  user: UserRecord | null;
  deleted: boolean;
}

export const initialUserState = (): UserState => ({ user: null, deleted: false });

export const evolveUser = (state: UserState, event: UserEvent): UserState => {
  switch (event.type) {
    case 'UserCreated': {
      const { at, ...d } = event.data;
      return {
        deleted: false,
        user: {
          id: d.userId,
          storeId: d.storeId,
          extId: d.extId,
          status: d.status,
          attributes: d.attributes,
          createdDtm: at,
          lastUpdatedDtm: at,
        },
      };
    }
    case 'UserUpdated': {
      if (!state.user) return state;
      const d = event.data;
      return {
        ...state,
        user: {
          ...state.user,
          ...(d.extId !== undefined ? { extId: d.extId } : {}),
          ...(d.status !== undefined ? { status: d.status } : {}),
          ...(d.attributes !== undefined ? { attributes: d.attributes } : {}),
          lastUpdatedDtm: d.at,
        },
      };
    }
    case 'UserDeleted':
      return { ...state, deleted: true };
  }
};
