import type { SummaryInfo } from '@identity-store/contracts';
import { markSummaryStale } from '@identity-store/http-kit';
import type { StreamPosition, SummaryQueries } from '@identity-store/service-clients';
import type { AuditProjector } from './audit-projector';

/**
 * summaryInfo for other services, waiting (bounded) for the positions a request just appended. When
 * the bound passes first, the latest summary is returned and the answer marked stale.
 */
export class AuditSummaries implements SummaryQueries {
  constructor(
    private readonly projector: AuditProjector,
    private readonly waitTimeoutMs = 2_000,
  ) {}

  async getSummary(userId: string, waitFor: StreamPosition[] = []): Promise<SummaryInfo> {
    if (waitFor.length && !(await this.projector.progress.waitFor(waitFor, this.waitTimeoutMs))) markSummaryStale();
    return this.projector.summaryOf(userId);
  }
}
