import { PushRateLimiter } from './push-rate-limiter';

describe('PushRateLimiter', () => {
  it('allows `points` pushes per key within the window, then refuses that key only', async () => {
    const limiter = new PushRateLimiter({ points: 2, durationSeconds: 60 });
    const alice = [
      await limiter.consume('user-alice'),
      await limiter.consume('user-alice'),
      await limiter.consume('user-alice'),
    ];
    expect(alice).toEqual([true, true, false]);
    expect(await limiter.consume('user-bob')).toBe(true);
  });

  it('counts each limiter on its own', async () => {
    const first = new PushRateLimiter({ points: 1, durationSeconds: 60 });
    const second = new PushRateLimiter({ points: 1, durationSeconds: 60 });
    expect(await first.consume('user-alice')).toBe(true);
    expect(await second.consume('user-alice')).toBe(true);
    expect(await first.consume('user-alice')).toBe(false);
  });
});
