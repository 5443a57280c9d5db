import type { SqlClient } from '@identity-store/event-store';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
} from 'rate-limiter-flexible';

/** Limits of failed `POST /api/arthr/apiKeys/issue` attempts. */
export interface IssueRateLimit {
  /** Failed attempts allowed per client address (IPv6: per /64) within `durationSeconds` (default 10). */
  points: number;
  /** Window, and how long an address stays blocked once over the limit (default 60). */
  durationSeconds: number;
  /**
   * Failed attempts allowed per key id on a passphrase-style key (the bootstrap key when
   * ADMIN_API_KEY is not of the random `isk_` form), from any address: guessing from many addresses
   * locks the passphrase for a while, as Keycloak's brute-force detection locks a user. Default
   * 30 per 900 s. Random keys have no such counter: they cannot be guessed, and locking them would
   * only let anyone lock a tenant out.
   */
  perKey?: { points: number; durationSeconds: number };
}

export const DEFAULT_ISSUE_RATE_LIMIT: Required<IssueRateLimit> = {
  points: 10,
  durationSeconds: 60,
  perKey: { points: 30, durationSeconds: 900 },
};

/**
 * Where failure counts live: the gateway's PostgreSQL (table `rate_limits`, created by the
 * event-store migrations), so every gateway instance on that database counts together; or this
 * process's memory.
 */
export type RateLimitStore = { kind: 'database'; pool: SqlClient } | { kind: 'memory' };

/** The table of the database store (see libs/event-store/prisma/schema.prisma, model RateLimit). */
export const RATE_LIMIT_TABLE = 'rate_limits';

/** Failures per bucket within a window; over `points`, the bucket is blocked for the window. */
export interface FailureCounter {
  /** Milliseconds until the bucket may try again, when it is over its limit now. */
  blockedFor(bucket: string): Promise<number | undefined>;
  /** Counts a failure; milliseconds until the bucket may try again, when this one took it over. */
  fail(bucket: string): Promise<number | undefined>;
}

export const failureCounter = (
  name: string,
  limit: { points: number; durationSeconds: number },
  store: RateLimitStore,
): FailureCounter => {
  const options = {
    keyPrefix: name,
    points: limit.points,
    duration: limit.durationSeconds,
    blockDuration: limit.durationSeconds,
  };
  const limiter: RateLimiterAbstract =
    store.kind === 'database'
      ? new RateLimiterPostgres({
          ...options,
          storeClient: store.pool,
          storeType: 'pool',
          tableName: RATE_LIMIT_TABLE,
          // Created by the migrations: the service's role need not own DDL rights.
          tableCreated: true,
        })
      : new RateLimiterMemory(options);
  return {
    async blockedFor(bucket) {
      const seen = await limiter.get(bucket);
      return seen && seen.consumedPoints >= limit.points ? Math.max(seen.msBeforeNext, 1) : undefined;
    },
    async fail(bucket) {
      try {
        await limiter.consume(bucket);
        return undefined;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return Math.max(rejection.msBeforeNext, 1);
        throw rejection;
      }
    },
  };
};
