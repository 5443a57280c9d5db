import {
  conflict,
  type FieldError,
  invalid,
  notFound,
  type UserEvent,
  UserCreated,
  UserDeleted,
  UserUpdated,
  type UserRecord,
  type UserStatus,
} from '@identity-store/contracts';

export const userStreamId = (userId: string) => `user-${userId}`;

export interface UserState {
  user: UserRecord | null;
  deleted: boolean;
}

export const initialUserState = (): UserState => ({ user: null, deleted: false });

/** Validates attributes against the store's attributeSchema; returns the violations. */
export type AttributeValidator = (attributes: Record<string, unknown>) => FieldError[];

export type UserCommand =
  | {
      type: 'CreateUser';
      userId: string;
      storeId: string;
      extId: string;
      status: UserStatus;
      attributes: Record<string, unknown>;
      now: Date;
    }
  | {
      type: 'UpdateUser';
      extId?: string;
      status?: UserStatus;
      attributes?: Record<string, unknown>;
      now: Date;
    }
  | { type: 'DeleteUser'; now: Date };

const checkAttributes = (attributes: Record<string, unknown>, validate: AttributeValidator) => {
  const errors = validate(attributes);
  if (errors.length) throw invalid('ATTRIBUTES_INVALID', 'User attributes do not match the store attributeSchema.', errors);
};

export const decideUser = (command: UserCommand, state: UserState, validate: AttributeValidator): UserEvent[] => {
  const at = command.now.toISOString();
  if (command.type === 'CreateUser') {
    if (state.user) throw conflict('USER_EXISTS', 'User already exists.');
    checkAttributes(command.attributes, validate);
    const { type: _type, now: _now, ...data } = command;
    return [UserCreated.create({ ...data, at })];
  }
  const user = state.user;
  if (!user || state.deleted) throw notFound('USER_NOT_FOUND', 'User does not exist.');
  if (command.type === 'DeleteUser')
    return [UserDeleted.create({ userId: user.id, storeId: user.storeId, extId: user.extId, at })];
  if (command.attributes !== undefined) checkAttributes(command.attributes, validate);
  const changed = {
    ...(command.extId !== undefined && command.extId !== user.extId ? { extId: command.extId } : {}),
    ...(command.status !== undefined && command.status !== user.status ? { status: command.status } : {}),
    ...(command.attributes !== undefined ? { attributes: command.attributes } : {}),
  };
  if (Object.keys(changed).length === 0) return [];
  return [UserUpdated.create({ userId: user.id, storeId: user.storeId, ...changed, at })];
};

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
