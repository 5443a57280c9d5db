import type { SummaryInfo } from '@identity-store/contracts';
import type { ProjectedSummary } from '@identity-store/service-clients';
import { LRUCache } from 'lru-cache';

interface Entry {
  summaryInfo: SummaryInfo;
  /** Versions of the user's streams this summary includes (the ones known so far). */
  streams: Map<string, number>;
}

/**
 * The summaries of recently read and projected users in memory, as Keycloak keeps users in its
 * cache: hot reads and every write's projected summary skip the database. Only for a projector
 * that is the sole writer of the summaries it serves (the embedded default; one audit instance):
 * it is written through by this projector's committed batches and never learns of another's.
 *
 * A database read may race a batch's commit and return what the batch replaced; it is kept only
 * if no batch committed while it ran (`generation`), and a batch always overwrites the users it
 * touched, so the cache never holds a summary older than what this projector committed.
 */
export class SummaryCache {
  private readonly entries: LRUCache<string, Entry>;
  private generation = 0;

  constructor(max = 100_000) {
    this.entries = new LRUCache({ max });
  }

  /** The cached summary, and the version of `streamId` in it if known. */
  get(userId: string, streamId?: string): ProjectedSummary | undefined {
    const entry = this.entries.get(userId);
    if (!entry) return undefined;
    if (streamId === undefined) return { summaryInfo: entry.summaryInfo, streamVersion: 0 };
    const streamVersion = entry.streams.get(streamId);
    return streamVersion === undefined ? undefined : { summaryInfo: entry.summaryInfo, streamVersion };
  }

  /** Reads through the cache: `load` runs on a miss, and its result is kept unless a batch committed meanwhile. */
  async readThrough(userId: string, streamId: string | undefined, load: () => Promise<ProjectedSummary>): Promise<ProjectedSummary> {
    const cached = this.get(userId, streamId);
    if (cached) return cached;
    const generation = this.generation;
    const loaded = await load();
    if (generation === this.generation) {
      const entry = this.entries.get(userId);
      const streams = entry ? entry.streams : new Map<string, number>();
      if (streamId !== undefined) streams.set(streamId, loaded.streamVersion);
      this.entries.set(userId, { summaryInfo: loaded.summaryInfo, streams });
    }
    return loaded;
  }

  /** After a committed batch: the summaries it wrote and deleted, and the stream versions it reached per user. */
  committed(
    written: Array<{ userId: string; summaryInfo: SummaryInfo }>,
    deleted: string[],
    reached: Array<{ userId: string; streamId: string; streamVersion: number }>,
  ): void {
    this.generation++;
    for (const userId of deleted) this.entries.delete(userId);
    for (const { userId, summaryInfo } of written)
      this.entries.set(userId, { summaryInfo, streams: this.entries.get(userId)?.streams ?? new Map() });
    for (const { userId, streamId, streamVersion } of reached) this.entries.get(userId)?.streams.set(streamId, streamVersion);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
