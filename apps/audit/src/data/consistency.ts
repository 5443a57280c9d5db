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
    let pending = positions.filter((p) => (this.applied.get(p.streamId) ?? 0) < p.streamVersion);
    for (let round = 0; pending.length; round++) {
      if (round > 0 || pending.length) pending = await this.stillPendingInDatabase(pending, round === 0);
      if (!pending.length) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 50));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
      pending = pending.filter((p) => (this.applied.get(p.streamId) ?? 0) < p.streamVersion);
    }
    return true;
  }

  private async stillPendingInDatabase(pending: StreamPosition[], firstRound: boolean): Promise<StreamPosition[]> {
    // In this process the memory is authoritative after the first check; other instances' progress
    // only shows in the table.
    if (!firstRound && pending.every((p) => this.applied.has(p.streamId))) return pending;
    const rows = await this.prisma.streamCheckpoint.findMany({
      where: { consumer: this.consumer, streamId: { in: pending.map((p) => p.streamId) } },
    });
    const versions = new Map(rows.map((row) => [row.streamId, row.streamVersion]));
    return pending.filter((p) => (versions.get(p.streamId) ?? 0) < p.streamVersion);
  }
}
