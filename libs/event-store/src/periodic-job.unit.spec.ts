import { PeriodicJob } from './periodic-job';

describe('a periodic job', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every interval (±10 %), one run at a time, carries on after errors, and stop waits for the run in progress', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    let release: () => void = () => undefined;
    const job = new PeriodicJob({
      intervalMs: 1_000,
      run: async () => {
        runs++;
        if (runs === 2) throw new Error('flaky');
        if (runs === 3) await new Promise<void>((resolve) => (release = resolve));
        return runs;
      },
      onError: (error) => errors.push(error),
    }).start();
    await jest.advanceTimersByTimeAsync(899);
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(201);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(1_100);
    expect([runs, errors]).toEqual([2, [new Error('flaky')]]);
    await jest.advanceTimersByTimeAsync(1_100);
    expect(runs).toBe(3); // and still running
    const extra = job.runOnce(); // waits for the run in progress
    await jest.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(3);
    const stopped = job.stop();
    release();
    await expect(extra).resolves.toBe(4);
    await stopped;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(4);
  });
});
