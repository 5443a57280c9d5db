import { appkeyIntegrationEvents, type SummaryInfo } from '@identity-store/contracts';
import { defineProjection } from './projection';
import { putItem, removeItem, updateItem } from './summary-groups';

/**
 * summaryInfo.appkeys (an item per registered appkey, with its relying party, device and key type;
 * ceremony sessions are no credentials) and appkey lastAuthentication.
 */
export const appkeySummary = defineProjection({
  events: appkeyIntegrationEvents,
  canHandle: [
    'AppkeyRegistrationCompleted',
    'AppkeyAuthenticationSucceeded',
    'AppkeyAuthenticationFailed',
    'AppkeyStatusChanged',
    'AppkeyDeregistered',
  ],
  evolve: (summary: SummaryInfo, { type, data }): SummaryInfo => {
    switch (type) {
      case 'AppkeyRegistrationCompleted':
        return putItem(summary, 'appkeys', {
          id: data.appkeyId,
          status: 'ACTIVE',
          policyName: data.policyName,
          rpId: data.rpId,
          deviceId: data.device.deviceId,
          type: data.keyType,
          createdDtm: data.createdDtm,
          lastUsedDtm: null,
        });
      case 'AppkeyAuthenticationSucceeded':
        return {
          ...updateItem(summary, 'appkeys', data.appkeyId, (item) => ({ ...item, lastUsedDtm: data.at })),
          lastAuthentication: { type: 'Appkey', result: 'SUCCESS', dtm: data.at },
        };
      case 'AppkeyAuthenticationFailed':
        return { ...summary, lastAuthentication: { type: 'Appkey', result: 'FAILURE', dtm: data.at } };
      case 'AppkeyStatusChanged':
        return updateItem(summary, 'appkeys', data.appkeyId, (item) => ({ ...item, status: data.status }));
      case 'AppkeyDeregistered':
        return removeItem(summary, 'appkeys', data.appkeyId);
    }
  },
});
