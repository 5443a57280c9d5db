import { heldKeyChanges } from './held-keys';

type State = { sessions: Record<string, { expiresDtm: string }>; credentials: string[] };
const heldKeys = {
  session: (state: State) =>
    Object.entries(state.sessions).map(([key, s]) => ({ key, expiresAt: s.expiresDtm })),
  credential: (state: State) => state.credentials,
};

describe('held keys', () => {
  it('claims what the new state holds (sessions with their expiry) and releases what it no longer holds', () => {
    const before: State = {
      sessions: { s1: { expiresDtm: '2026-01-01T00:05:00.000Z' } },
      credentials: ['c1'],
    };
    const after: State = {
      sessions: { s2: { expiresDtm: '2026-01-01T00:10:00.000Z' } },
      credentials: ['c1', 'c2'],
    };
    expect(heldKeyChanges(heldKeys, before, after)).toEqual({
      claim: [
        { scope: 'session', key: 's2', expiresAt: '2026-01-01T00:10:00.000Z' },
        { scope: 'credential', key: 'c2' },
      ],
      release: [{ scope: 'session', key: 's1' }],
    });
    expect(heldKeyChanges(heldKeys, after, after)).toEqual({ claim: [], release: [] });
  });
});
