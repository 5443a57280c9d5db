import { DomainError, type DomainErrorKind, type FieldError } from '@identity-store/contracts';
import { DeciderSpecification } from '@identity-store/testing';
import type { AttributeValidator } from './attribute-schema';
import { evolveUser, initialUserState, type UserEvent, type UserState, userStreamId } from './user';
import { type UncheckedUserCommand as UserCommand, userDecider, withAttributeProblems } from './user-decider';

const T0 = new Date('2026-05-07T10:00:00.000Z');
const T1 = new Date('2026-05-07T11:00:00.000Z');
const USER = 'u-1';
const STORE = 's-1';

/** Accepts everything. */
const anything: AttributeValidator = () => [];
/** Requires a non-negative integer `age`; records what it was asked to check. */
const checked: Array<Record<string, unknown>> = [];
const ageRequired: AttributeValidator = (attributes) => {
  checked.push(attributes);
  const age = attributes.age;
  const errors: FieldError[] = [];
  if (typeof age !== 'number' || !Number.isInteger(age) || age < 0)
    errors.push({ path: 'body.attributes.age', message: 'must be a non-negative integer' });
  return errors;
};
beforeEach(() => (checked.length = 0));

const created = (over: Partial<Extract<UserEvent, { type: 'UserCreated' }>['data']> = {}): UserEvent => ({
  type: 'UserCreated',
  data: { userId: USER, storeId: STORE, extId: 'alice', status: 'ACTIVE', attributes: { age: 30 }, at: T0.toISOString(), ...over },
});
const deleted = (): UserEvent => ({
  type: 'UserDeleted',
  data: { userId: USER, storeId: STORE, extId: 'alice', at: T1.toISOString() },
});

// Strict: an update event leaves the fields it does not change out (not present as undefined).
const specification = DeciderSpecification.for(userDecider, { equality: 'strict' });
const stateFrom = (events: UserEvent[]): UserState => specification(events).state();

const createUser = (over: Partial<Extract<UserCommand, { type: 'CreateUser' }>> = {}): UserCommand => ({
  type: 'CreateUser',
  userId: USER,
  storeId: STORE,
  extId: 'alice',
  status: 'ACTIVE',
  attributes: { age: 30 },
  metadata: { now: T0 },
  ...over,
});
const updateUser = (over: Omit<Partial<Extract<UserCommand, { type: 'UpdateUser' }>>, 'type'> = {}): UserCommand => ({
  type: 'UpdateUser',
  metadata: { now: T1 },
  ...over,
});
const deleteUser: UserCommand = { type: 'DeleteUser', metadata: { now: T1 } };

/** The store's attributeSchema judges the command's attributes (as the service does), then the decider decides. */
const given = (events: UserEvent[], validate: AttributeValidator = anything) => ({
  when: (command: UserCommand) => specification(events).when(withAttributeProblems(command, validate)),
});
/** The decision is refused with a DomainError of this kind and code. */
const refused = (kind: DomainErrorKind, code: string) => (error: DomainError) =>
  expect({ kind: error.kind, code: error.code }).toEqual({ kind, code });

describe('user decider (test audit F16)', () => {
  describe('CreateUser', () => {
    it('creates the user with its attributes, once they pass the store’s attributeSchema', () => {
      given([], ageRequired).when(createUser()).then([created()]);
      expect(checked).toEqual([{ age: 30 }]);
    });

    it('refuses attributes the schema rejects (400 ATTRIBUTES_INVALID naming them), creating nothing', () => {
      const error = given([], ageRequired).when(createUser({ attributes: { age: -1 } })).thenThrows(DomainError, refused('validation', 'ATTRIBUTES_INVALID'));
      expect(error.errors).toEqual([{ path: 'body.attributes.age', message: 'must be a non-negative integer' }]);
    });

    it('is a conflict when the stream already holds a user', () => {
      given([created()]).when(createUser()).thenThrows(DomainError, refused('conflict', 'USER_EXISTS'));
    });
  });

  describe('UpdateUser', () => {
    it('changes extId, status and attributes, recording only what changed', () => {
      given([created()], ageRequired)
        .when(updateUser({ extId: 'alice2', status: 'ACTIVE', attributes: { age: 31 } }))
        .then([
          {
            type: 'UserUpdated',
            data: { userId: USER, storeId: STORE, extId: 'alice2', attributes: { age: 31 }, at: T1.toISOString() },
          },
        ]);
    });

    it('is a no-op (no events) when nothing changes; a status change alone needs no attribute check', () => {
      given([created()]).when(updateUser({ extId: 'alice', status: 'ACTIVE' })).then([]);
      given([created()], ageRequired)
        .when(updateUser({ status: 'DISABLED' }))
        .then([{ type: 'UserUpdated', data: { userId: USER, storeId: STORE, status: 'DISABLED', at: T1.toISOString() } }]);
      expect(checked).toEqual([]);
    });

    it('checks new attributes against the schema (replacing them whole)', () => {
      given([created()], ageRequired).when(updateUser({ attributes: { name: 'Alice' } })).thenThrows(DomainError, refused('validation', 'ATTRIBUTES_INVALID'));
    });

    it('is 404 for a user that does not exist or was deleted', () => {
      given([]).when(updateUser({ status: 'DISABLED' })).thenThrows(DomainError, refused('not-found', 'USER_NOT_FOUND'));
      given([created(), deleted()]).when(updateUser({ status: 'DISABLED' })).thenThrows(DomainError, refused('not-found', 'USER_NOT_FOUND'));
    });
  });

  describe('DeleteUser', () => {
    it('deletes the user, naming its store and extId (the extId key is released, the audit drops the summary)', () => {
      given([created()], ageRequired).when(deleteUser).then([deleted()]);
      expect(checked).toEqual([]);
    });

    it('is 404 when there is no user, or it is already deleted', () => {
      given([]).when(deleteUser).thenThrows(DomainError, refused('not-found', 'USER_NOT_FOUND'));
      given([created(), deleted()]).when(deleteUser).thenThrows(DomainError, refused('not-found', 'USER_NOT_FOUND'));
    });

    it('a deleted user’s stream cannot be created again', () => {
      given([created(), deleted()]).when(createUser()).thenThrows(DomainError, refused('conflict', 'USER_EXISTS'));
    });
  });

  describe('evolve', () => {
    it('folds creation, updates and deletion', () => {
      const state = stateFrom([
        created(),
        { type: 'UserUpdated', data: { userId: USER, storeId: STORE, status: 'DISABLED', at: T1.toISOString() } },
      ]);
      expect(state).toEqual({
        deleted: false,
        user: {
          id: USER,
          storeId: STORE,
          extId: 'alice',
          status: 'DISABLED',
          attributes: { age: 30 },
          createdDtm: T0.toISOString(),
          lastUpdatedDtm: T1.toISOString(),
        },
      });
      expect(evolveUser(state, deleted())).toEqual({ ...state, deleted: true });
    });

    it('ignores an update without a user', () => {
      const update: UserEvent = { type: 'UserUpdated', data: { userId: USER, storeId: STORE, status: 'DISABLED', at: T1.toISOString() } };
      expect(evolveUser(initialUserState(), update)).toEqual(initialUserState());
    });

    it('names the stream after the user', () => {
      expect(userStreamId('u-42')).toBe('user-u-42');
    });
  });
});
