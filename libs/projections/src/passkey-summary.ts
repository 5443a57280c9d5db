import { passkeyIntegrationEvents, type SummaryInfo } from '@identity-store/contracts';
import { defineProjection } from './projection';
import { putItem, removeItem, updateItem } from './summary-groups';

/**
 * summaryInfo.passkeys (an item per registered passkey, with its relying party; ceremony sessions
 * are no credentials) and passkey lastAuthentication.
 */
export const passkeySummary = defineProjection({
  events: passkeyIntegrationEvents,
  canHandle: [
    'PasskeyRegistrationCompleted',
    'PasskeyAuthenticationSucceeded',
    'PasskeyAuthenticationFailed',
    'PasskeyStatusChanged',
    'PasskeyDeregistered',
  ],
  evolve: (summary: SummaryInfo, { type, data }): SummaryInfo => {
    switch (type) {
      case 'PasskeyRegistrationCompleted':
        return putItem(summary, 'passkeys', {
          id: data.passkeyId,
          status: 'ACTIVE',
          policyName: data.policyName,
          rpId: data.rpId,
          type: data.deviceType,
          createdDtm: data.createdDtm,
          lastUsedDtm: null,
        });
      case 'PasskeyAuthenticationSucceeded':
        return {
          ...updateItem(summary, 'passkeys', data.passkeyId, (item) => ({ ...item, lastUsedDtm: data.at })),
          lastAuthentication: { type: 'Passkey', result: 'SUCCESS', dtm: data.at },
        };
      case 'PasskeyAuthenticationFailed':
        return { ...summary, lastAuthentication: { type: 'Passkey', result: 'FAILURE', dtm: data.at } };
      case 'PasskeyStatusChanged':
        return updateItem(summary, 'passkeys', data.passkeyId, (item) => ({ ...item, status: data.status }));
      case 'PasskeyDeregistered':
        return removeItem(summary, 'passkeys', data.passkeyId);
    }
  },
});
