import {
  type AuthenticationAudit,
  emptySummaryInfo,
  type IntegrationEvent,
  type SummaryGroupItem,
  type SummaryInfo,
} from '@identity-store/contracts';

/** What the projection keeps per user. */
export interface UserSummary {
  userId: string;
  storeId: string;
  summaryInfo: SummaryInfo;
}

type Data = Record<string, unknown>;
const str = (data: Data, key: string) => data[key] as string;

const updateItem = (items: SummaryGroupItem[], id: string, change: (item: SummaryGroupItem) => SummaryGroupItem) =>
  items.map((item) => (item.id === id ? change(item) : item));

const withTotps = (summary: SummaryInfo, items: SummaryGroupItem[]): SummaryInfo => ({
  ...summary,
  totps: { count: items.length, items },
});

/**
 * summaryInfo = fold of the user's credential events (pure; unknown event types leave it as is,
 * so new producers never break the projection).
 */
export const applyToSummary = (summary: SummaryInfo, event: IntegrationEvent): SummaryInfo => {
  const data = event.data as Data;
  const totps = summary.totps.items;
  switch (event.type) {
    case 'TotpRegistrationStarted':
      return withTotps(summary, [
        ...totps.filter((item) => item.id !== str(data, 'credentialId')),
        {
          id: str(data, 'credentialId'),
          status: 'PENDING',
          policyName: str(data, 'policyName'),
          createdDtm: str(data, 'createdDtm'),
          lastUsedDtm: null,
        },
      ]);
    case 'TotpRegistrationCompleted':
      return withTotps(summary, updateItem(totps, str(data, 'credentialId'), (item) => ({ ...item, status: 'ACTIVE' })));
    case 'TotpAuthenticationSucceeded':
      return {
        ...withTotps(
          summary,
          updateItem(totps, str(data, 'credentialId'), (item) => ({ ...item, status: 'ACTIVE', lastUsedDtm: str(data, 'at') })),
        ),
        lastAuthentication: { type: 'Totp', result: 'SUCCESS', dtm: str(data, 'at') },
      };
    case 'TotpAuthenticationFailed':
      return { ...summary, lastAuthentication: { type: 'Totp', result: 'FAILURE', dtm: str(data, 'at') } };
    case 'TotpLocked':
      return withTotps(summary, updateItem(totps, str(data, 'credentialId'), (item) => ({ ...item, status: 'LOCKED' })));
    case 'TotpStatusChanged':
      return withTotps(
        summary,
        updateItem(totps, str(data, 'credentialId'), (item) => ({ ...item, status: str(data, 'status') })),
      );
    case 'TotpDeregistered':
      return withTotps(summary, totps.filter((item) => item.id !== str(data, 'credentialId')));
    default:
      return summary;
  }
};

/** The authentication audit record an event stands for, if it is an authentication outcome. */
export const authenticationAuditOf = (event: IntegrationEvent): AuthenticationAudit | null => {
  const data = event.data as Data;
  if (!event.userId) return null;
  const base = {
    id: str(data, 'authenticationId'),
    userId: event.userId,
    createdDtm: str(data, 'at'),
    context: (data.context as Record<string, unknown> | undefined) ?? {},
    credentialId: str(data, 'credentialId'),
  };
  switch (event.type) {
    case 'TotpAuthenticationSucceeded':
      return { ...base, type: 'Totp', result: 'SUCCESS' };
    case 'TotpAuthenticationFailed':
      return { ...base, type: 'Totp', result: 'FAILURE', reason: str(data, 'reason') };
    default:
      return null;
  }
};

export const newUserSummary = (userId: string, storeId: string): UserSummary => ({
  userId,
  storeId,
  summaryInfo: emptySummaryInfo(),
});
