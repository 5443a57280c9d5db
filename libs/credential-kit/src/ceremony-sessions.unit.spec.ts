import { DomainError } from '@identity-store/contracts';
import { type CeremonySession, ceremonySessions } from './ceremony-sessions';
import { requirePolicy } from './require-policy';

interface ThingSession extends CeremonySession {
  kind: 'REGISTRATION' | 'AUTHENTICATION';
  note: string;
}

const sessions = ceremonySessions<ThingSession>({ codePrefix: 'THING', noun: 'Thing', cap: 3 });
const T0 = Date.parse('2026-05-07T10:00:00.000Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const session = (id: string, startedAt: number, kind: ThingSession['kind'] = 'REGISTRATION'): ThingSession => ({
  kind,
  id,
  storeId: 'store-1',
  startedDtm: iso(startedAt),
  expiresDtm: iso(startedAt + 300),
  note: id,
});
const problemOf = (action: () => unknown) => {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind} ${error.code} ${error.message}`;
    throw error;
  }
  return 'none';
};

describe('ceremony sessions', () => {
  const state = [session('a', 0), session('b', 10, 'AUTHENTICATION')].reduce(sessions.open, {
    sessions: {} as Record<string, ThingSession>,
    other: 1,
  });

  it('opens a session and keeps the rest of the state', () => {
    expect(Object.keys(state.sessions)).toEqual(['a', 'b']);
    expect(state.other).toBe(1);
  });

  it('prunes the sessions already expired when a new one opens', () => {
    expect(Object.keys(sessions.open(state, session('c', 305)).sessions)).toEqual(['b', 'c']);
  });

  it('closes a session, and leaves the state as it is when it is already closed', () => {
    expect(Object.keys(sessions.close(state, 'a').sessions)).toEqual(['b']);
    expect(sessions.close(state, 'gone')).toBe(state);
  });

  it('requires an open session of one of the kinds, in its own store', () => {
    const request = { sessionId: 'b', storeId: 'store-1', now: new Date(T0 + 20_000) };
    expect(sessions.require(state, request, 'AUTHENTICATION').note).toBe('b');
    expect(sessions.require(state, request, 'REGISTRATION', 'AUTHENTICATION').note).toBe('b');
    expect(problemOf(() => sessions.require(state, request, 'REGISTRATION'))).toBe(
      'not-found THING_SESSION_NOT_FOUND Thing session b does not exist',
    );
    expect(problemOf(() => sessions.require(state, { ...request, storeId: 'store-2' }, 'AUTHENTICATION'))).toBe(
      'not-found THING_SESSION_NOT_FOUND Thing session b does not exist',
    );
    expect(problemOf(() => sessions.require(state, { ...request, now: new Date(T0 + 310_000) }, 'AUTHENTICATION'))).toBe(
      'gone THING_SESSION_EXPIRED Thing session b has expired',
    );
  });

  it('selects the expired sessions, oldest first', () => {
    expect(sessions.expired(state, new Date(T0 + 310_000)).map((s) => s.id)).toEqual(['a', 'b']);
    expect(sessions.expired(state, new Date(T0 + 305_000)).map((s) => s.id)).toEqual(['a']);
  });

  it('evicts the oldest open sessions so that a new one fits under the cap', () => {
    const full = sessions.open(state, session('c', 20));
    expect(sessions.evictedBeforeStart(state, new Date(T0 + 30_000))).toEqual([]);
    expect(sessions.evictedBeforeStart(full, new Date(T0 + 30_000)).map((s) => s.id)).toEqual(['a']);
    expect(sessions.evictedBeforeStart(full, new Date(T0 + 302_000)).map((s) => s.id)).toEqual([]);
  });

  it('names the store of the open sessions', () => {
    expect(sessions.storeOf(state)).toBe('store-1');
    expect(sessions.storeOf({ sessions: {} })).toBeUndefined();
  });
});

describe('requirePolicy', () => {
  const policies = { default: { name: 'default' } };

  it('finds a policy by name', () => {
    expect(requirePolicy(policies, 'default', 'no such policy')).toEqual({ name: 'default' });
  });

  it('refuses an unknown policy, and an inherited property, with the given message', () => {
    expect(problemOf(() => requirePolicy(policies, 'other', 'Thing policy other does not exist.'))).toBe(
      'not-found POLICY_NOT_FOUND Thing policy other does not exist.',
    );
    expect(problemOf(() => requirePolicy(policies, '__proto__', 'x'))).toBe('not-found POLICY_NOT_FOUND x');
  });
});
