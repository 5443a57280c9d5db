import { appkeyIntegrationEvents } from '../appkey/appkey-integration-events';
import { biometricIntegrationEvents } from '../biometric/biometric-integration-events';
import { identityIntegrationEvents } from '../identity/identity-integration-events';
import { passcodeIntegrationEvents } from '../passcode/passcode-integration-events';
import { passkeyIntegrationEvents } from '../passkey/passkey-integration-events';
import { totpIntegrationEvents } from '../totp/totp-integration-events';
import type { EventDefinitions, topics } from './event';

export type TopicKey = keyof typeof topics;

/** Integration event definitions by topic. */
export const publishedEvents: Record<TopicKey, EventDefinitions> = {
  identity: identityIntegrationEvents,
  totp: totpIntegrationEvents,
  passcode: passcodeIntegrationEvents,
  passkey: passkeyIntegrationEvents,
  appkey: appkeyIntegrationEvents,
  biometric: biometricIntegrationEvents,
};

/**
 * The streams each topic carries, by stream id prefix, and what the rest of the id is: the
 * envelope's `userId` (a user's stream, keyed by user id), its `storeId` (a store's stream, keyed
 * by store id), or neither (a usernameless passkey session, keyed by store id, no user).
 */
export const publishedStreams: Record<TopicKey, ReadonlyArray<{ prefix: string; id: 'user' | 'store' | 'session' }>> = {
  identity: [
    { prefix: 'store-', id: 'store' },
    { prefix: 'user-', id: 'user' },
  ],
  totp: [{ prefix: 'totp-user-', id: 'user' }],
  passcode: [{ prefix: 'passcode-user-', id: 'user' }],
  passkey: [
    { prefix: 'passkey-user-', id: 'user' },
    { prefix: 'passkey-session-', id: 'session' },
  ],
  appkey: [{ prefix: 'appkey-user-', id: 'user' }],
  biometric: [{ prefix: 'biometric-user-', id: 'user' }],
};
