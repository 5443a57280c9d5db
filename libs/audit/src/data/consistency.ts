import { type PrismaClient, sqlOf } from '@identity-store/event-store';
import type { StreamPosition } from '@identity-store/service-clients';

/**
 * Read-your-writes for the audit projection: knows which stream versions have been applied and
 * lets a request wait (bounded) until the positions it appended are applied. Progress seen in this
 * process answers at once; otherwise the checkpoints table (written by any instance) decides.
 */
export class ProjectionProgress {
  private readonly applied = new Map<string, number>();
  private waiters = new Set<() => void>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly consumer: string,
  ) {}

  markApplied(positions: StreamPosition[]): void {
    for (const { streamId, streamVersion } of positions)
      if ((this.applied.get(streamId) ?? 0) < streamVersion) this.applied.set(streamId, streamVersion);
    if (this.applied.size > 200_000) this.applied.clear();
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  reset(): void {
    this.applied.clear();
  }

  /**
   * Resolves true once every position is applied, false after `timeoutMs`. The in-memory progress
   * answers first; the checkpoints table is consulted only every `databaseCheckMs` while waiting
   * (another instance may be projecting the stream), so a busy projector is not slowed by polls.
   */
  async waitFor(positions: StreamPosition[], timeoutMs: number, databaseCheckMs = 100): Promise<boolean> {
    const started = Date.now();
    let pending = this.notAppliedHere(positions);
    let lastDatabaseCheck = started;
    while (pending.length) {
      const left = started + timeoutMs - Date.now();
      if (left <= 0) return false;
      await this.nextProgress(Math.min(left, databaseCheckMs));
      pending = this.notAppliedHere(pending);
      if (pending.length && Date.now() - lastDatabaseCheck >= databaseCheckMs) {
        lastDatabaseCheck = Date.now();
        pending = await this.notAppliedInDatabase(pending);
      }
    }
    return true;
  }

  private notAppliedHere(positions: StreamPosition[]): StreamPosition[] {
    return positions.filter((p) => (this.applied.get(p.streamId) ?? 0) < p.streamVersion);
  }

  /** Resolves at the next applied batch, or after `ms`. */
  private nextProgress(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.add(done);
    });
  }

  private async notAppliedInDatabase(pending: StreamPosition[]): Promise<StreamPosition[]> {
    const { rows } = await sqlOf(this.prisma).query<{ stream_id: string; stream_version: number }>(
      'SELECT stream_id, stream_version FROM stream_checkpoints WHERE consumer = $1 AND stream_id = ANY($2::text[])',
      [this.consumer, pending.map((p) => p.streamId)],
    );
    const versions = new Map(rows.map((row) => [row.stream_id, row.stream_version]));
    return pending.filter((p) => (versions.get(p.streamId) ?? 0) < p.streamVersion);
  }
}
