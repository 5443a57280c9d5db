import { biometricIntegrationEvents, type SummaryInfo } from '@identity-store/contracts';
import { defineProjection } from './projection';
import { putItem, removeItem, updateItem } from './summary-groups';

/**
 * summaryInfo.biometrics (an item per enrolled biometric, with its type; `lockedUntil` while failures
 * lock the user's biometrics, so readers derive LOCKED as for TOTPs and passcodes) and Face
 * lastAuthentication (client-reported failures included).
 */
export const biometricSummary = defineProjection({
  events: biometricIntegrationEvents,
  canHandle: [
    'BiometricEnrolled',
    'FaceAuthenticationSucceeded',
    'FaceAuthenticationFailed',
    'BiometricFailureRecorded',
    'BiometricDeleted',
  ],
  evolve: (summary: SummaryInfo, { type, data }): SummaryInfo => {
    const lockAll = (lockedUntil: string | null) =>
      summary.biometrics.items.reduce(
        (current, item) => updateItem(current, 'biometrics', item.id, (i) => ({ ...i, lockedUntil })),
        summary,
      );
    switch (type) {
      case 'BiometricEnrolled': {
        const withoutReplaced = data.replacedBiometricId ? removeItem(summary, 'biometrics', data.replacedBiometricId) : summary;
        const lockedUntil = summary.biometrics.items[0]?.lockedUntil ?? null;
        return putItem(withoutReplaced, 'biometrics', {
          id: data.biometricId,
          status: 'ACTIVE',
          type: data.type,
          createdDtm: data.at,
          lastUsedDtm: null,
          lockedUntil,
        });
      }
      case 'FaceAuthenticationSucceeded':
        return {
          ...updateItem(lockAll(null), 'biometrics', data.biometricId, (item) => ({ ...item, lastUsedDtm: data.at })),
          lastAuthentication: { type: 'Face', result: 'SUCCESS', dtm: data.at },
        };
      case 'FaceAuthenticationFailed':
      case 'BiometricFailureRecorded':
        return {
          ...(data.lockedUntil ? lockAll(data.lockedUntil) : summary),
          lastAuthentication: { type: 'Face', result: 'FAILURE', dtm: data.at },
        };
      case 'BiometricDeleted':
        return removeItem(summary, 'biometrics', data.biometricId);
    }
  },
});
