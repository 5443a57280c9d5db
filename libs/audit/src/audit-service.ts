import type { SummaryInfo } from '@identity-store/contracts';
import type { ProjectedSummary, StreamPosition, SummaryQueries } from '@identity-store/service-clients';
import type { AuditProjector } from './audit-projector';

/**
 * summaryInfo for other services, and the wait (bounded by `waitTimeoutMs`, CONSISTENCY_WAIT_MS) of
 * reads that carry a Consistency-Token.
 */
export class AuditSummaries implements SummaryQueries {
  constructor(
    private readonly projector: AuditProjector,
    private readonly waitTimeoutMs = 2_000,
  ) {}

  getSummary(userId: string): Promise<SummaryInfo> {
    return this.projector.summaryOf(userId);
  }

  getProjectedSummary(userId: string, streamId: string): Promise<ProjectedSummary> {
    return this.projector.projectedSummaryOf(userId, streamId);
  }

  awaitApplied(positions: StreamPosition[]): Promise<boolean> {
    return this.projector.progress.waitFor(positions, this.waitTimeoutMs);
  }
}
