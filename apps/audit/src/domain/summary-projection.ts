import {
  type AuthenticationAudit,
  emptySummaryInfo,
  type IntegrationEvent,
  type PasscodeAuditInfo,
  type PasscodeInfo,
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

const withPasscodes = (summary: SummaryInfo, items: SummaryGroupItem[]): SummaryInfo => ({
  ...summary,
  passcodes: { count: items.length, items },
});

const updatePasscode = (summary: SummaryInfo, data: Data, change: (item: SummaryGroupItem) => SummaryGroupItem) =>
  withPasscodes(summary, updateItem(summary.passcodes.items, str(data, 'passcodeId'), change));

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

    // Passcodes: an item per registered passcode (sessions are not credentials yet).
    case 'PasscodeRegistrationCompleted':
      return withPasscodes(summary, [
        ...summary.passcodes.items.filter((item) => item.id !== str(data, 'passcodeId')),
        {
          id: str(data, 'passcodeId'),
          status: 'ACTIVE',
          policyName: str(data, 'policyName'),
          createdDtm: str(data, 'createdDtm'),
          lastUsedDtm: null,
          expirationDtm: data.expirationDtm as string | null,
        },
      ]);
    case 'PasscodeAuthenticationSucceeded':
      return {
        ...updatePasscode(summary, data, (item) => ({ ...item, status: 'ACTIVE', lastUsedDtm: str(data, 'at') })),
        lastAuthentication: { type: 'Passcode', result: 'SUCCESS', dtm: str(data, 'at') },
      };
    case 'PasscodeAuthenticationFailed':
      return { ...summary, lastAuthentication: { type: 'Passcode', result: 'FAILURE', dtm: str(data, 'at') } };
    case 'PasscodeLocked':
      return updatePasscode(summary, data, (item) => ({ ...item, status: 'LOCKED' }));
    case 'PasscodeRenewed':
      return updatePasscode(summary, data, (item) => ({ ...item, expirationDtm: data.expirationDtm as string | null }));
    case 'PasscodeStatusChanged':
      return updatePasscode(summary, data, (item) => ({ ...item, status: str(data, 'status') }));
    case 'PasscodeExpirationChanged':
      return updatePasscode(summary, data, (item) => ({ ...item, expirationDtm: data.expirationDtm as string | null }));
    case 'PasscodeDeregistered':
      return withPasscodes(summary, summary.passcodes.items.filter((item) => item.id !== str(data, 'passcodeId')));
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
    case 'PasscodeAuthenticationSucceeded':
    case 'PasscodeAuthenticationFailed': {
      const failed = event.type === 'PasscodeAuthenticationFailed';
      return {
        ...base,
        credentialId: str(data, 'passcodeId'),
        policyName: str(data, 'policyName'),
        type: 'Passcode',
        result: failed ? 'FAILURE' : 'SUCCESS',
        ...(failed ? { reason: str(data, 'reason') } : {}),
        passcodeInfo: {
          id: str(data, 'passcodeId'),
          status: data.locked ? 'LOCKED' : (str(data, 'status') as PasscodeInfo['status']),
          expirationDtm: data.expirationDtm as string | null,
        },
        passcodeAuditInfo: {
          protocol: 'SRP',
          policyName: str(data, 'policyName'),
          srpGroup: data.srpGroup as PasscodeAuditInfo['srpGroup'],
          hash: data.hash as PasscodeAuditInfo['hash'],
          failedAttempts: data.failedAttempts as number,
          locked: data.locked as boolean,
        },
      };
    }
    default:
      return null;
  }
};

export const newUserSummary = (userId: string, storeId: string): UserSummary => ({
  userId,
  storeId,
  summaryInfo: emptySummaryInfo(),
});
