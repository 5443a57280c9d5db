import type { SummaryInfo } from '@identity-store/contracts';
import type { StreamPosition, SummaryQueries } from '@identity-store/service-clients';
import type { AuditProjector } from './audit-projector';

/** summaryInfo for other services, waiting (bounded) for the positions a request just appended. */
export class AuditSummaries implements SummaryQueries {
  constructor(
    private readonly projector: AuditProjector,
    private readonly waitTimeoutMs = 2_000,
  ) {}

  async getSummary(userId: string, waitFor: StreamPosition[] = []): Promise<SummaryInfo> {
    if (waitFor.length) await this.projector.progress.waitFor(waitFor, this.waitTimeoutMs);
    return this.projector.summaryOf(userId);
  }
}
