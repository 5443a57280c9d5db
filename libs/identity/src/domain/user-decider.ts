import {
  conflict,
  type DistributiveOmit,
  type FieldError,
  invalid,
  notFound,
  UserCreated,
  UserDeleted,
  type UserStatus,
  UserUpdated,
} from '@identity-store/contracts';
import type { AttributeValidator } from './attribute-schema';
import { evolveUser, initialUserState, type UserEvent, type UserState } from './user';

/** What every user command carries besides its own fields: when it is decided. */
export interface UserCommandMetadata {
  now: Date;
}

/**
 * Attributes come with what the store's attributeSchema said of them (`attributeProblems`, see
 * {@link withAttributeProblems}): the decider judges the verdict, it does not compile schemas.
 */
export type UserCommand =
  | {
      type: 'CreateUser';
      userId: string;
      storeId: string;
      extId: string;
      status: UserStatus;
      attributes: Record<string, unknown>;
      attributeProblems: FieldError[];
      metadata: UserCommandMetadata;
    }
  | {
      type: 'UpdateUser';
      extId?: string;
      status?: UserStatus;
      attributes?: Record<string, unknown>;
      attributeProblems: FieldError[];
      metadata: UserCommandMetadata;
    }
  | { type: 'DeleteUser'; metadata: UserCommandMetadata };

/** A user command before its attributes were checked. */
export type UncheckedUserCommand = DistributiveOmit<UserCommand, 'attributeProblems'>;

/**
 * The command with the verdict of the store's attributeSchema on its attributes. Commands that carry
 * no attributes (a delete, a status change) are not checked, so they never depend on the schema.
 */
export const withAttributeProblems = (command: UncheckedUserCommand, validate: AttributeValidator): UserCommand => {
  if (command.type === 'DeleteUser') return command;
  return { ...command, attributeProblems: command.attributes === undefined ? [] : validate(command.attributes) };
};

const refuseAttributeProblems = (problems: FieldError[]) => {
  if (problems.length) throw invalid('ATTRIBUTES_INVALID', 'User attributes do not match the store attributeSchema.', problems);
};

export const decideUser = (command: UserCommand, state: UserState): UserEvent[] => {
  const at = command.metadata.now.toISOString();
  if (command.type === 'CreateUser') {
    if (state.user) throw conflict('USER_EXISTS', 'User already exists.');
    refuseAttributeProblems(command.attributeProblems);
    const { type: _type, metadata: _metadata, attributeProblems: _problems, ...data } = command;
    return [UserCreated.create({ ...data, at })];
  }
  const user = state.user;
  if (!user || state.deleted) throw notFound('USER_NOT_FOUND', 'User does not exist.');
  if (command.type === 'DeleteUser')
    return [UserDeleted.create({ userId: user.id, storeId: user.storeId, extId: user.extId, at })];
  refuseAttributeProblems(command.attributeProblems);
  const changed = {
    ...(command.extId !== undefined && command.extId !== user.extId ? { extId: command.extId } : {}),
    ...(command.status !== undefined && command.status !== user.status ? { status: command.status } : {}),
    ...(command.attributes !== undefined ? { attributes: command.attributes } : {}),
  };
  if (Object.keys(changed).length === 0) return [];
  return [UserUpdated.create({ userId: user.id, storeId: user.storeId, ...changed, at })];
};

export const userDecider = { decide: decideUser, evolve: evolveUser, initialState: initialUserState };
