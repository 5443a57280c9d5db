import { lockRunsAt, statusAt } from './credential-lock';
import { emptySummaryInfo, type SummaryInfo, summaryInfoAt } from './identity/user';

const LOCKED_UNTIL = '2026-11-30T10:15:00.000Z';
const before = new Date('2026-11-30T10:14:59.999Z');
const atEnd = new Date(LOCKED_UNTIL);

describe('credential lock as readers see it', () => {
  it('a lock runs until lockedUntil, not at it; none without a lockedUntil', () => {
    expect(lockRunsAt(LOCKED_UNTIL, before)).toBe(true);
    expect(lockRunsAt(LOCKED_UNTIL, atEnd)).toBe(false);
    expect(lockRunsAt(null, before)).toBe(false);
    expect(lockRunsAt(undefined, before)).toBe(false);
  });

  it('shows an ACTIVE credential LOCKED while its lock runs; other statuses as they are', () => {
    expect(statusAt('ACTIVE', LOCKED_UNTIL, before)).toBe('LOCKED');
    expect(statusAt('ACTIVE', LOCKED_UNTIL, atEnd)).toBe('ACTIVE');
    expect(statusAt('SUSPENDED', LOCKED_UNTIL, before)).toBe('SUSPENDED');
    expect(statusAt('PENDING', null, before)).toBe('PENDING');
  });
});

describe('summaryInfoAt', () => {
  const item = { id: 'c-1', policyName: 'main', createdDtm: '2026-11-30T09:00:00.000Z', lastUsedDtm: null };
  const summary: SummaryInfo = {
    ...emptySummaryInfo(),
    totps: { count: 2, items: [{ ...item, status: 'ACTIVE', lockedUntil: LOCKED_UNTIL }, { ...item, id: 'c-2', status: 'ACTIVE', lockedUntil: null }] },
    passcodes: { count: 1, items: [{ ...item, id: 'p-1', status: 'ACTIVE', expirationDtm: null, lockedUntil: LOCKED_UNTIL }] },
    passkeys: { count: 1, items: [{ ...item, id: 'k-1', status: 'ACTIVE', rpId: 'example.com', type: 'multiDevice' }] },
  };

  it('shows TOTPs and passcodes LOCKED while their lock runs, keeping lockedUntil', () => {
    const read = summaryInfoAt(summary, before);
    expect(read.totps.items.map((i) => [i.status, i.lockedUntil])).toEqual([
      ['LOCKED', LOCKED_UNTIL],
      ['ACTIVE', null],
    ]);
    expect(read.passcodes.items[0]).toMatchObject({ status: 'LOCKED', lockedUntil: LOCKED_UNTIL });
    expect(read.passkeys).toEqual(summary.passkeys);
  });

  it('shows them ACTIVE once the lock has run out, with no event in between', () => {
    const read = summaryInfoAt(summary, atEnd);
    expect(read.totps.items.map((i) => i.status)).toEqual(['ACTIVE', 'ACTIVE']);
    expect(read.passcodes.items[0]?.status).toBe('ACTIVE');
    expect(read).toEqual(summary);
  });
});
