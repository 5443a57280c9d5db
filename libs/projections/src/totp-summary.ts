import { type SummaryInfo, totpIntegrationEvents } from '@identity-store/contracts';
import { defineProjection } from './projection';
import { putItem, removeItem, updateItem } from './summary-groups';

/**
 * summaryInfo.totps (an item per TOTP credential, pending ones included) and TOTP lastAuthentication.
 * Items keep the stored status and the lock's end (`lockedUntil`): LOCKED is derived where
 * summaryInfo is read (contracts summaryInfoAt), as for the resource.
 */
export const totpSummary = defineProjection({
  events: totpIntegrationEvents,
  canHandle: [
    'TotpRegistrationStarted',
    'TotpRegistrationCompleted',
    'TotpAuthenticationSucceeded',
    'TotpAuthenticationFailed',
    'TotpLocked',
    'TotpStatusChanged',
    'TotpDeregistered',
  ],
  evolve: (summary: SummaryInfo, { type, data }): SummaryInfo => {
    switch (type) {
      case 'TotpRegistrationStarted':
        return putItem(summary, 'totps', {
          id: data.credentialId,
          status: 'PENDING',
          policyName: data.policyName,
          createdDtm: data.createdDtm,
          lastUsedDtm: null,
          lockedUntil: null,
        });
      case 'TotpRegistrationCompleted':
        return updateItem(summary, 'totps', data.credentialId, (item) => ({ ...item, status: 'ACTIVE' }));
      case 'TotpAuthenticationSucceeded':
        return {
          ...updateItem(summary, 'totps', data.credentialId, (item) => ({
            ...item,
            status: 'ACTIVE',
            lastUsedDtm: data.at,
            lockedUntil: null,
          })),
          lastAuthentication: { type: 'Totp', result: 'SUCCESS', dtm: data.at },
        };
      case 'TotpAuthenticationFailed':
        return { ...summary, lastAuthentication: { type: 'Totp', result: 'FAILURE', dtm: data.at } };
      case 'TotpLocked':
        return updateItem(summary, 'totps', data.credentialId, (item) => ({ ...item, lockedUntil: data.lockedUntil }));
      case 'TotpStatusChanged':
        // ACTIVE set by an administrator unlocks, as it does the credential.
        return updateItem(summary, 'totps', data.credentialId, (item) => ({
          ...item,
          status: data.status,
          ...(data.status === 'ACTIVE' ? { lockedUntil: null } : {}),
        }));
      case 'TotpDeregistered':
        return removeItem(summary, 'totps', data.credentialId);
    }
  },
});
