import type { PrismaClient, UniqueKeyRef } from '@identity-store/event-store';

/**
 * Unique keys that an aggregate's state holds, by scope (e.g. the ids of its open ceremony
 * sessions, its credential ids): each append claims the keys its events add to the state and
 * releases those they remove, in the same transaction, so a key always names the one stream whose
 * state holds it. That makes cross-stream lookups one primary-key read (which user's stream holds
 * session X? which holds credential Y?) and cross-stream uniqueness a constraint of the database.
 */
export type HeldKeys<State> = Record<string, (state: State) => Iterable<string>>;

/** The claims and releases that take the held keys from `before` to `after`. */
export const heldKeyChanges = <State>(
  heldKeys: HeldKeys<State>,
  before: State,
  after: State,
): { claim: UniqueKeyRef[]; release: UniqueKeyRef[] } => {
  const claim: UniqueKeyRef[] = [];
  const release: UniqueKeyRef[] = [];
  for (const [scope, keysOf] of Object.entries(heldKeys)) {
    const was = new Set(keysOf(before));
    const is = new Set(keysOf(after));
    for (const key of is) if (!was.has(key)) claim.push({ scope, key });
    for (const key of was) if (!is.has(key)) release.push({ scope, key });
  }
  return { claim, release };
};

/** The stream whose state holds the key, or null. */
export const streamHolding = async (
  prisma: PrismaClient,
  scope: string,
  key: string,
): Promise<string | null> => {
  const row = await prisma.uniqueKey.findUnique({ where: { scope_key: { scope, key } } });
  return row?.streamId ?? null;
};
