import {
  type EncryptedPushCredentials,
  ownEntry,
  type PushNotificationPolicy,
  type Store,
} from '@identity-store/contracts';
import {
  policyNotFound,
  type StoredPushNotificationPolicy,
  type StorePolicyKind,
  type StorePolicyOf,
  storePolicyKinds,
  type StoreRecord,
  type StoreState,
} from './store';

/** Each kind's policy as the API shows it: a push policy without its keys. */
export type StorePolicyViewOf = Omit<StorePolicyOf, 'push'> & { push: PushNotificationPolicy };

/** A provider's credentials as shown: the encrypted key replaced by `privateKeyConfigured`. */
const withoutKey = <Credentials extends { encryptedPrivateKey: string }>({
  encryptedPrivateKey: _secret,
  ...shown
}: Credentials) => ({ ...shown, privateKeyConfigured: true as const });

/** A push notification policy as the API shows and publishes it: its private keys are write-only. */
export const pushNotificationPolicyView = ({ apnsConfig, fcmConfig, ...policy }: StoredPushNotificationPolicy): PushNotificationPolicy => ({
  ...policy,
  ...(apnsConfig ? { apnsConfig: withoutKey(apnsConfig) } : {}),
  ...(fcmConfig ? { fcmConfig: withoutKey(fcmConfig) } : {}),
});

/** The store as the API shows it (every policy as is, but push policies without their keys). */
export const storeView = (store: StoreRecord): Store => ({
  ...store,
  pushNotificationPolicies: Object.fromEntries(
    Object.entries(store.pushNotificationPolicies).map(([rpId, policy]) => [rpId, pushNotificationPolicyView(policy)]),
  ),
});

/**
 * A store document (the list's read model) as the API shows it: one written before stores had a
 * biometric policy has none (null), as its stream's state has.
 */
export const storeDocumentView = (store: Store): Store => ({ ...store, biometricPolicy: store.biometricPolicy ?? null });

/** The store as its stream holds it; null before creation and after deletion. */
export const storeRecord = (state: StoreState): StoreRecord | null => (state.store && !state.deleted ? state.store : null);

/** A policy (or configuration) of the store by its key, as shown; 404 naming the kind when there is none. */
export const storePolicyResource = <K extends StorePolicyKind>(store: Store, kind: K, key: string): StorePolicyViewOf[K] => {
  const policy = ownEntry(store[storePolicyKinds[kind].collection] as Record<string, StorePolicyViewOf[K]>, key);
  if (!policy) throw policyNotFound(kind, key);
  return policy;
};

/** What the appkey service reads of a push notification policy: its credentials, keys encrypted. */
export const pushCredentialsOf = ({ apnsConfig, fcmConfig, ttlSeconds }: StoredPushNotificationPolicy): EncryptedPushCredentials => ({
  ttlSeconds,
  ...(apnsConfig ? { apns: apnsConfig } : {}),
  ...(fcmConfig ? { fcm: fcmConfig } : {}),
});
