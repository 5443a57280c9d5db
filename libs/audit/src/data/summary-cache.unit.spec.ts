import { emptySummaryInfo, type SummaryInfo } from '@identity-store/contracts';
import { SummaryCache } from './summary-cache';

const withTotps = (count: number): SummaryInfo => ({ ...emptySummaryInfo(), totps: { count, items: [] } });

describe('SummaryCache', () => {
  it('reads through once, then serves from memory', async () => {
    const cache = new SummaryCache();
    const load = jest.fn(async () => ({ summaryInfo: withTotps(1), streamVersion: 3 }));
    expect(await cache.readThrough('u', 'totp-user-u', load)).toEqual({ summaryInfo: withTotps(1), streamVersion: 3 });
    expect(await cache.readThrough('u', 'totp-user-u', load)).toEqual({ summaryInfo: withTotps(1), streamVersion: 3 });
    expect(load).toHaveBeenCalledTimes(1);
    // Another stream of the user: its version is not known yet, so it is read (summary and version together).
    await cache.readThrough('u', 'passcode-user-u', async () => ({ summaryInfo: withTotps(1), streamVersion: 0 }));
    expect(cache.get('u', 'passcode-user-u')).toEqual({ summaryInfo: withTotps(1), streamVersion: 0 });
  });

  it('a committed batch overwrites the users it touched, cached or not, and moves their stream versions', async () => {
    const cache = new SummaryCache();
    await cache.readThrough('u', 'totp-user-u', async () => ({ summaryInfo: withTotps(1), streamVersion: 3 }));
    cache.committed(
      [{ userId: 'u', summaryInfo: withTotps(2) }, { userId: 'v', summaryInfo: withTotps(5) }],
      [],
      [{ userId: 'u', streamId: 'totp-user-u', streamVersion: 4 }, { userId: 'v', streamId: 'totp-user-v', streamVersion: 9 }],
    );
    expect(cache.get('u', 'totp-user-u')).toEqual({ summaryInfo: withTotps(2), streamVersion: 4 });
    expect(cache.get('v', 'totp-user-v')).toEqual({ summaryInfo: withTotps(5), streamVersion: 9 });
    cache.committed([], ['u'], []);
    expect(cache.get('u')).toBeUndefined();
  });

  it('never keeps a database read that a batch committed during (it may hold what the batch replaced)', async () => {
    const cache = new SummaryCache();
    let finishLoad!: () => void;
    const loading = cache.readThrough(
      'u',
      'totp-user-u',
      () => new Promise((resolve) => (finishLoad = () => resolve({ summaryInfo: withTotps(1), streamVersion: 3 }))),
    );
    // The batch that wrote version 4 commits while the read is in flight, for a user not cached yet.
    cache.committed([{ userId: 'w', summaryInfo: withTotps(7) }], [], []);
    finishLoad();
    expect((await loading).streamVersion).toBe(3); // answered as read
    expect(cache.get('u', 'totp-user-u')).toBeUndefined(); // but not kept
  });

  it('clear() forgets everything (a rebuild)', async () => {
    const cache = new SummaryCache();
    await cache.readThrough('u', undefined, async () => ({ summaryInfo: withTotps(1), streamVersion: 0 }));
    cache.clear();
    expect(cache.get('u')).toBeUndefined();
  });
});
