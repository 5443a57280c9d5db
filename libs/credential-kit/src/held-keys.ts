import type { UniqueKeyRef } from '@identity-store/event-store';

/** A held key that stops being needed at `expiresAt` (ISO-8601): e.g. an open session's id. */
export interface ExpiringKey {
  key: string;
  expiresAt: string;
}

/**
 * Unique keys that an aggregate's state holds, by scope (e.g. the ids of its open ceremony
 * sessions, its credential ids): each append claims the keys its events add to the state and
 * releases those they remove, in the same transaction, so a key always names the one stream whose
 * state holds it. That makes cross-stream lookups one primary-key read (which user's stream holds
 * session X? which holds credential Y?) and cross-stream uniqueness a constraint of the database.
 * A key given with an expiry (an open session) is claimed with it, so the session sweeper finds
 * the streams holding expired ones. The lookups are the event store's (`streamHolding`,
 * `expiredKeys`).
 */
export type HeldKeys<State> = Record<string, (state: State) => Iterable<string | ExpiringKey>>;

const keysWithExpiry = (keys: Iterable<string | ExpiringKey>): Map<string, string | undefined> =>
  new Map([...keys].map((k) => (typeof k === 'string' ? [k, undefined] : [k.key, k.expiresAt])));

/** The claims and releases that take the held keys from `before` to `after`. */
export const heldKeyChanges = <State>(
  heldKeys: HeldKeys<State>,
  before: State,
  after: State,
): { claim: UniqueKeyRef[]; release: UniqueKeyRef[] } => {
  const claim: UniqueKeyRef[] = [];
  const release: UniqueKeyRef[] = [];
  for (const [scope, keysOf] of Object.entries(heldKeys)) {
    const was = keysWithExpiry(keysOf(before));
    const is = keysWithExpiry(keysOf(after));
    for (const [key, expiresAt] of is)
      if (!was.has(key)) claim.push(expiresAt === undefined ? { scope, key } : { scope, key, expiresAt });
    for (const key of was.keys()) if (!is.has(key)) release.push({ scope, key });
  }
  return { claim, release };
};

/** A held key past its expiry (the event store's `expiredKeys`). */
export type { ExpiredKey } from '@identity-store/event-store';
