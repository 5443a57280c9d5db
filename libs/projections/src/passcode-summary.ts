import { passcodeIntegrationEvents, type SummaryInfo } from '@identity-store/contracts';
import { defineProjection } from './projection';
import { putItem, removeItem, updateItem } from './summary-groups';

/**
 * summaryInfo.passcodes (an item per registered passcode; ceremony sessions are no credentials)
 * and passcode lastAuthentication. Items keep the stored status and the lock's end
 * (`lockedUntil`): LOCKED is derived where summaryInfo is read (contracts summaryInfoAt), as for the
 * resource, since no event marks the end of a lock.
 */
export const passcodeSummary = defineProjection({
  events: passcodeIntegrationEvents,
  canHandle: [
    'PasscodeRegistrationCompleted',
    'PasscodeAuthenticationSucceeded',
    'PasscodeAuthenticationFailed',
    'PasscodeDecoyAuthenticationFailed',
    'PasscodeLocked',
    'PasscodeRenewed',
    'PasscodeStatusChanged',
    'PasscodeExpirationChanged',
    'PasscodeDeregistered',
  ],
  evolve: (summary: SummaryInfo, { type, data }): SummaryInfo => {
    switch (type) {
      case 'PasscodeRegistrationCompleted':
        return putItem(summary, 'passcodes', {
          id: data.passcodeId,
          status: 'ACTIVE',
          policyName: data.policyName,
          createdDtm: data.createdDtm,
          lastUsedDtm: null,
          expirationDtm: data.expirationDtm,
          lockedUntil: null,
        });
      case 'PasscodeAuthenticationSucceeded':
        return {
          ...updateItem(summary, 'passcodes', data.passcodeId, (item) => ({
            ...item,
            status: 'ACTIVE',
            lastUsedDtm: data.at,
            lockedUntil: null,
          })),
          lastAuthentication: { type: 'Passcode', result: 'SUCCESS', dtm: data.at },
        };
      // A decoy (no passcode for the policy) fails as a wrong proof does, in the user's summary too.
      case 'PasscodeAuthenticationFailed':
      case 'PasscodeDecoyAuthenticationFailed':
        return { ...summary, lastAuthentication: { type: 'Passcode', result: 'FAILURE', dtm: data.at } };
      case 'PasscodeLocked':
        return updateItem(summary, 'passcodes', data.passcodeId, (item) => ({ ...item, lockedUntil: data.lockedUntil }));
      case 'PasscodeRenewed':
      case 'PasscodeExpirationChanged':
        return updateItem(summary, 'passcodes', data.passcodeId, (item) => ({
          ...item,
          expirationDtm: data.expirationDtm,
        }));
      case 'PasscodeStatusChanged':
        // ACTIVE set by an administrator unlocks, as it does the passcode.
        return updateItem(summary, 'passcodes', data.passcodeId, (item) => ({
          ...item,
          status: data.status,
          ...(data.status === 'ACTIVE' ? { lockedUntil: null } : {}),
        }));
      case 'PasscodeDeregistered':
        return removeItem(summary, 'passcodes', data.passcodeId);
    }
  },
});
