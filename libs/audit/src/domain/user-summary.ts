import { emptySummaryInfo, type SummaryInfo } from '@identity-store/contracts';

/** What the audit keeps per user: summaryInfo, projected by @identity-store/projections. */
export interface UserSummary {
  userId: string;
  storeId: string;
  summaryInfo: SummaryInfo;
}

export const newUserSummary = (userId: string, storeId: string): UserSummary => ({
  userId,
  storeId,
  summaryInfo: emptySummaryInfo(),
});
