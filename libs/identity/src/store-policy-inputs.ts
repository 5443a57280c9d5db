import {
  type AppkeyConfigInput,
  pushCredentialContext,
  type PushNotificationPolicyInput,
  type PushProvider,
  trustedFacetsPath,
} from '@identity-store/contracts';
import type { SecretBox } from '@identity-store/crypto';
import type { KindedStorePolicy, StoredPushNotificationPolicy, StorePolicyKind, StorePolicyOf } from './domain/store';
import type { StorePolicies } from './domain/store-decider';

/**
 * Policies as requests give them, and how the service makes them what the store stream holds (the
 * facts its decider gets): an appkey configuration's `appID` defaults to the path of the store's
 * TrustedFacets list, and a push policy's private keys are encrypted (SecretBox) under
 * `pushCredentialContext(storeId, rpId, provider)`. The decider never sees a key or a SecretBox.
 */

/** Each kind's policy as a request gives it. */
export type StorePolicyInputOf = Omit<StorePolicyOf, 'appkey' | 'push'> & {
  appkey: AppkeyConfigInput;
  push: PushNotificationPolicyInput;
};
export type KindedStorePolicyInput = {
  [K in StorePolicyKind]: { kind: K; policy: StorePolicyInputOf[K] };
}[StorePolicyKind];

/** The policies a store create or update request gives (each one added or replaced). */
export type StorePolicyInputs = {
  [Field in keyof StorePolicies]: StorePolicyInputOf[KindOfField[Field]][];
};
interface KindOfField {
  totpPolicies: 'totp';
  passcodePolicies: 'passcode';
  passkeyConfigs: 'passkey';
  appkeyConfigs: 'appkey';
  pushNotificationPolicies: 'push';
}

/** The store a policy goes to: its id binds the encrypted keys, its name the default appID. */
export interface PolicyStore {
  id: string;
  name: string;
}

const sealed = <Config extends { privateKey: string }>(
  secrets: SecretBox,
  context: string,
  { privateKey, ...config }: Config,
) => ({ ...config, encryptedPrivateKey: secrets.encrypt(Buffer.from(privateKey, 'utf8'), context) });

const opened = <Config extends { encryptedPrivateKey: string }>(
  secrets: SecretBox,
  context: string,
  { encryptedPrivateKey, ...config }: Config,
) => ({ ...config, privateKey: secrets.decrypt(encryptedPrivateKey, context).toString('utf8') });

const contextOf = (store: PolicyStore, rpId: string) => (provider: PushProvider) =>
  pushCredentialContext(store.id, rpId, provider);

/** A push policy as the stream holds it: each provider's private key encrypted. */
export const sealedPushPolicy = (
  secrets: SecretBox,
  store: PolicyStore,
  { apnsConfig, fcmConfig, ...policy }: PushNotificationPolicyInput,
): StoredPushNotificationPolicy => {
  const context = contextOf(store, policy.rpId);
  return {
    ...policy,
    ...(apnsConfig ? { apnsConfig: sealed(secrets, context('apns'), apnsConfig) } : {}),
    ...(fcmConfig ? { fcmConfig: sealed(secrets, context('fcm'), fcmConfig) } : {}),
  };
};

/** A stored push policy as a request would give it (its keys decrypted), to apply an update to. */
export const openedPushPolicy = (
  secrets: SecretBox,
  store: PolicyStore,
  { apnsConfig, fcmConfig, ...policy }: StoredPushNotificationPolicy,
): PushNotificationPolicyInput => {
  const context = contextOf(store, policy.rpId);
  return {
    ...policy,
    ...(apnsConfig ? { apnsConfig: opened(secrets, context('apns'), apnsConfig) } : {}),
    ...(fcmConfig ? { fcmConfig: opened(secrets, context('fcm'), fcmConfig) } : {}),
  };
};

/** An appkey configuration with its `appID` (the store's TrustedFacets list when the request gave none). */
export const appkeyConfigWithAppId = (store: PolicyStore, config: AppkeyConfigInput): StorePolicyOf['appkey'] => ({
  ...config,
  appID: config.appID ?? trustedFacetsPath(store.name, config.rpId),
});

/** A policy of a request as the stream holds it. */
export const storedPolicy = (secrets: SecretBox, store: PolicyStore, input: KindedStorePolicyInput): KindedStorePolicy => {
  switch (input.kind) {
    case 'appkey':
      return { kind: 'appkey', policy: appkeyConfigWithAppId(store, input.policy) };
    case 'push':
      return { kind: 'push', policy: sealedPushPolicy(secrets, store, input.policy) };
    default:
      return input;
  }
};

/** The policies of a store create or update request as the stream holds them. */
export const storedPolicies = (
  secrets: SecretBox,
  store: PolicyStore,
  { totpPolicies, passcodePolicies, passkeyConfigs, appkeyConfigs, pushNotificationPolicies }: Partial<StorePolicyInputs>,
): Partial<StorePolicies> => ({
  totpPolicies,
  passcodePolicies,
  passkeyConfigs,
  appkeyConfigs: appkeyConfigs?.map((config) => appkeyConfigWithAppId(store, config)),
  pushNotificationPolicies: pushNotificationPolicies?.map((policy) => sealedPushPolicy(secrets, store, policy)),
});
