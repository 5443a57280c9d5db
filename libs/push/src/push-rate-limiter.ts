import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Pushes allowed per key (a user) within a window: a guard against push bombing, where someone who
 * knows a username starts authentications until the owner approves one to stop the prompts.
 * In this process's memory: each instance of the appkey service counts on its own.
 */
export class PushRateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(options: { points: number; durationSeconds: number }) {
    this.limiter = new RateLimiterMemory({
      keyPrefix: 'push',
      points: options.points,
      duration: options.durationSeconds,
    });
  }

  /** Counts one push for `key`: true when it is allowed, false when `key` is over its limit. */
  async consume(key: string): Promise<boolean> {
    try {
      await this.limiter.consume(key);
      return true;
    } catch (rejection) {
      // The limiter rejects with its result when over the limit; anything else is a real error.
      if (rejection instanceof RateLimiterRes) return false;
      throw rejection;
    }
  }
}
