import { LRUCache } from 'lru-cache';

/**
 * The identity service's hot lookups in memory (stores by name, users by id, extIds): a bounded LRU
 * whose entries expire after `ttlMs`, so instances that share a database converge on each other's
 * writes within it. The service writes its own commits through (`put`, `forget`), so an entry is
 * never older than this instance's last write.
 *
 * A load that was running while a write went through is answered but not kept: it may have read the
 * row before the commit and would otherwise put the old value back after the write-through (a user
 * just disabled would be found active until the entry expires). `writes` counts every write-through.
 */
export class LookupCache {
  private readonly entries: LRUCache<string, { value: unknown }>;
  private writes = 0;

  constructor(options: { ttlMs: number; max: number }) {
    this.entries = new LRUCache({ max: options.max, ttl: options.ttlMs, ttlAutopurge: false });
  }

  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) return hit.value as T;
    const writesBefore = this.writes;
    const value = await load();
    if (this.writes === writesBefore) this.entries.set(key, { value });
    return value;
  }

  /** A committed value (null: known not to exist). */
  put(key: string, value: unknown): void {
    this.writes++;
    this.entries.set(key, { value });
  }

  forget(key: string): void {
    this.writes++;
    this.entries.delete(key);
  }

  clear(): void {
    this.writes++;
    this.entries.clear();
  }
}
