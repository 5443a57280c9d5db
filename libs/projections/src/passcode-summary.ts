import { passcodeIntegrationEvents, type SummaryInfo } from '@identity-store/contracts';
import { defineProjection } from './projection';
import { putItem, removeItem, updateItem } from './summary-groups';

/**
 * summaryInfo.passcodes (an item per registered passcode; ceremony sessions are no credentials)
 * and passcode lastAuthentication.
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
        });
      case 'PasscodeAuthenticationSucceeded':
        return {
          ...updateItem(summary, 'passcodes', data.passcodeId, (item) => ({
            ...item,
            status: 'ACTIVE',
            lastUsedDtm: data.at,
          })),
          lastAuthentication: { type: 'Passcode', result: 'SUCCESS', dtm: data.at },
        };
      // A decoy (no passcode for the policy) fails as a wrong proof does, in the user's summary too.
      case 'PasscodeAuthenticationFailed':
      case 'PasscodeDecoyAuthenticationFailed':
        return { ...summary, lastAuthentication: { type: 'Passcode', result: 'FAILURE', dtm: data.at } };
      case 'PasscodeLocked':
        return updateItem(summary, 'passcodes', data.passcodeId, (item) => ({ ...item, status: 'LOCKED' }));
      case 'PasscodeRenewed':
      case 'PasscodeExpirationChanged':
        return updateItem(summary, 'passcodes', data.passcodeId, (item) => ({
          ...item,
          expirationDtm: data.expirationDtm,
        }));
      case 'PasscodeStatusChanged':
        return updateItem(summary, 'passcodes', data.passcodeId, (item) => ({
          ...item,
          status: data.status,
        }));
      case 'PasscodeDeregistered':
        return removeItem(summary, 'passcodes', data.passcodeId);
    }
  },
});
