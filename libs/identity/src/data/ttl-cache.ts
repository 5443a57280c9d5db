/** Short-lived memo of lookups other services make on every request (store policies, users). */
export class TtlCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();
  constructor(private readonly ttlMs: number) {}
  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = await load();
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
    if (this.entries.size > 100_000) this.entries.clear();
    return value;
  }
  clear(): void {
    this.entries.clear();
  }
}
