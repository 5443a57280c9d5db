import type { PrismaClient } from '@identity-store/event-store';
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

  /** Resolves true once every position is applied, false after `timeoutMs`. */
  async waitFor(positions: StreamPosition[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let pending = this.notAppliedHere(positions);
    if (pending.length) pending = await this.notAppliedInDatabase(pending);
    while (pending.length) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.nextProgress(Math.min(left, 50));
      pending = this.notAppliedHere(pending);
      // A stream this process has not projected may be another instance's: only the table knows.
      if (pending.some((p) => !this.applied.has(p.streamId))) pending = await this.notAppliedInDatabase(pending);
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
    const rows = await this.prisma.streamCheckpoint.findMany({
      where: { consumer: this.consumer, streamId: { in: pending.map((p) => p.streamId) } },
    });
    const versions = new Map(rows.map((row) => [row.streamId, row.streamVersion]));
    return pending.filter((p) => (versions.get(p.streamId) ?? 0) < p.streamVersion);
  }
}
