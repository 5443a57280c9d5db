import { emptySummaryInfo, type SummaryInfo } from '@identity-store/contracts';
import { check, type Expectation, type Snapshot, type StoredEvent } from './verify';

/**
 * The fault-injection run is only as good as its checks: each kind of damage a fault can do to the
 * streams or the projection must show up as an issue, and an intact run must show none.
 */
const user = 'u-1';
const stream = `totp-user-${user}`;
const at = '2026-11-30T10:00:00.000Z';

const event = (
  position: number,
  streamId: string,
  streamVersion: number,
  type: string,
  data: Record<string, unknown>,
): StoredEvent => ({
  position,
  streamId,
  streamVersion,
  type,
  data,
  integration: true,
});

/** A user with a completed TOTP registration and one successful authentication, fully projected. */
const intact = (): Snapshot => {
  const summary: SummaryInfo = {
    ...emptySummaryInfo(),
    totps: {
      count: 1,
      items: [{ id: 'c-1', status: 'ACTIVE', policyName: 'p', createdDtm: at, lastUsedDtm: at }],
    },
  };
  return {
    events: {
      identity: [event(1, `user-${user}`, 1, 'UserCreated', { userId: user, at })],
      totp: [
        event(1, stream, 1, 'TotpRegistrationStarted', { credentialId: 'c-1', at }),
        event(2, stream, 2, 'TotpRegistrationCompleted', { credentialId: 'c-1', at }),
        event(3, stream, 3, 'TotpAuthenticationSucceeded', {
          credentialId: 'c-1',
          authenticationId: 'a-1',
          at,
        }),
      ],
      passcode: [],
      passkey: [],
    },
    unpublished: 0,
    checkpoints: new Map([
      [`user-${user}`, 1],
      [stream, 3],
    ]),
    authentications: new Map([['a-1', { userId: user, result: 'SUCCESS' }]]),
    registrations: new Set(),
    summaries: new Map([[user, summary]]),
  };
};

const acknowledged: Expectation[] = [
  {
    phase: 'a',
    service: 'identity',
    type: 'UserCreated',
    field: 'userId',
    value: user,
    because: '201 createUser',
  },
  {
    phase: 'a',
    service: 'totp',
    type: 'TotpAuthenticationSucceeded',
    field: 'authenticationId',
    value: 'a-1',
    because: '200 authenticateTotp',
  },
];

const kinds = (snapshot: Snapshot, expectations = acknowledged) =>
  check(expectations, snapshot).issues.map((i) => i.kind);

describe('the fault-injection checks', () => {
  it('find nothing wrong in an intact, fully projected history', () => {
    const result = check(acknowledged, intact());
    expect(result.issues).toEqual([]);
    expect([result.acknowledged, result.unanswered, result.pending]).toEqual([2, 2, 0]);
  });

  it('report an acknowledged event that is not in its stream as lost', () => {
    const missing: Expectation = { ...acknowledged[1]!, value: 'a-2' };
    const result = check([...acknowledged, missing], intact());
    expect(result.issues.map((i) => [i.kind, i.origin])).toEqual([['lost', { phase: 'a' }]]);
  });

  it('report an event that is in its stream twice as duplicated', () => {
    const snapshot = intact();
    snapshot.events.totp.push(
      event(4, stream, 4, 'TotpAuthenticationSucceeded', {
        credentialId: 'c-1',
        authenticationId: 'a-1',
        at,
      }),
    );
    snapshot.checkpoints.set(stream, 4);
    expect(kinds(snapshot)).toEqual(['duplicated']);
  });

  it('report an authentication without its audit record as not projected (a skipped version)', () => {
    const snapshot = intact();
    snapshot.authentications.clear();
    expect(kinds(snapshot)).toEqual(['not-projected']);
  });

  it('report a stream whose checkpoint is behind its last published event as not projected, and pending', () => {
    const snapshot = intact();
    snapshot.checkpoints.set(stream, 2);
    const result = check(acknowledged, snapshot);
    expect(result.issues.map((i) => i.kind)).toEqual(['not-projected']);
    expect(result.pending).toBe(1);
  });

  it('report an audit record that disagrees with its event', () => {
    const snapshot = intact();
    snapshot.authentications.set('a-1', { userId: user, result: 'FAILURE' });
    expect(kinds(snapshot)).toEqual(['wrong-projection']);
  });

  it('report a summary that missed an event (status and last use) or lists a credential twice', () => {
    const stale = intact();
    stale.summaries.get(user)!.totps.items[0] = {
      ...stale.summaries.get(user)!.totps.items[0]!,
      status: 'PENDING',
      lastUsedDtm: null,
    };
    expect(kinds(stale)).toEqual(['summary-mismatch']);
    const twice = intact();
    const item = twice.summaries.get(user)!.totps.items[0]!;
    twice.summaries.get(user)!.totps = { count: 2, items: [item, item] };
    expect(kinds(twice)).toEqual(['summary-mismatch']);
  });

  it('count events that no answer acknowledged, without calling them lost', () => {
    const result = check([acknowledged[0]!], intact());
    expect(result.issues).toEqual([]);
    expect(result.unanswered).toBe(3);
  });
});
