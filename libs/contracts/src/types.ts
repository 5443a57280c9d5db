/** Omit on each member of a union (commands without their `now`, for example). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * `record[key]` when the record has `key` as its own property, else undefined. Names and ids come
 * from requests, and every plain object also "has" `constructor`, `toString`, `__proto__`, …
 * through Object.prototype: a lookup by a client's key must not find those.
 */
export const ownEntry = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;
