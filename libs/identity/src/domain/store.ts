import {
  type AppkeyConfig,
  type BiometricPolicy,
  defineEvent,
  dtmSchema,
  encryptedApnsCredentialsSchema,
  encryptedFcmCredentialsSchema,
  type EventOf,
  type EventOfType,
  type identityIntegrationEvents,
  notFound,
  ownEntry,
  type PasscodePolicy,
  type PasskeyConfig,
  pushNotificationPolicySchema,
  type Store,
  type TotpPolicy,
} from '@identity-store/contracts';
import { z } from 'zod';

/**
 * The store aggregate (stream `store-<storeId>`): a store with its TOTP and passcode policies, its
 * passkey and appkey configurations, its push notification policies and its biometric policy. All its stored events but
 * one carry no secrets and are published on `identity-store.identity` as they are, so they are
 * declared once, as integration events in contracts (identity-integration-events.ts). The exception,
 * `PushNotificationPolicySet`, is declared here: it holds the providers' private keys as SecretBox
 * ciphertext (made by the service, see store-policy-inputs.ts), and is published without them
 * (data/identity-outbox.ts).
 */

/** A push notification policy as the stream holds it: the private keys as ciphertext. */
export const storedPushNotificationPolicySchema = pushNotificationPolicySchema.extend({
  apnsConfig: encryptedApnsCredentialsSchema.optional(),
  fcmConfig: encryptedFcmCredentialsSchema.optional(),
});
export type StoredPushNotificationPolicy = z.output<typeof storedPushNotificationPolicySchema>;

/** A push notification policy was added or replaced (stored form: with the encrypted keys). */
export const PushNotificationPolicySet = defineEvent(
  'PushNotificationPolicySet',
  z.object({ storeId: z.string(), policy: storedPushNotificationPolicySchema, at: dtmSchema }),
);

export type StoreEvent =
  | EventOfType<
      typeof identityIntegrationEvents,
      | 'StoreCreated'
      | 'StoreUpdated'
      | 'StoreDeleted'
      | 'TotpPolicySet'
      | 'TotpPolicyRemoved'
      | 'PasscodePolicySet'
      | 'PasscodePolicyRemoved'
      | 'PasskeyConfigSet'
      | 'PasskeyConfigRemoved'
      | 'AppkeyConfigSet'
      | 'AppkeyConfigRemoved'
      | 'PushNotificationPolicyRemoved'
      | 'BiometricPolicySet'
      | 'BiometricPolicyRemoved'
    >
  | EventOf<typeof PushNotificationPolicySet>;

export const storeStreamId = (storeId: string) => `store-${storeId}`;

/** The store as its stream holds it: the API's Store but for the push policies' encrypted keys. */
export type StoreRecord = Omit<Store, 'pushNotificationPolicies'> & {
  pushNotificationPolicies: Record<string, StoredPushNotificationPolicy>;
};

export interface StoreState {
  store: StoreRecord | null;
  deleted: boolean;
}

export const initialStoreState = (): StoreState => ({ store: null, deleted: false });

/**
 * The keyed policies and configurations a store holds. Every kind has the same lifecycle (created
 * under a unique key, replaced, removed) and two events; only the shape differs, and its key: the
 * `name` of a policy, the `rpId` of a configuration or push policy (their events are made in
 * store-decider.ts). `label` names one in messages; `exists` and `notFound` are the codes of the 409
 * and 404 problems.
 */
export const storePolicyKinds = {
  totp: {
    label: 'TOTP policy',
    key: 'name',
    collection: 'totpPolicies',
    exists: 'POLICY_EXISTS',
    notFound: 'POLICY_NOT_FOUND',
  },
  passcode: {
    label: 'Passcode policy',
    key: 'name',
    collection: 'passcodePolicies',
    exists: 'POLICY_EXISTS',
    notFound: 'POLICY_NOT_FOUND',
  },
  passkey: {
    label: 'Passkey configuration',
    key: 'rpId',
    collection: 'passkeyConfigs',
    exists: 'PASSKEY_CONFIG_EXISTS',
    notFound: 'PASSKEY_CONFIG_NOT_FOUND',
  },
  appkey: {
    label: 'Appkey configuration',
    key: 'rpId',
    collection: 'appkeyConfigs',
    exists: 'APPKEY_CONFIG_EXISTS',
    notFound: 'APPKEY_CONFIG_NOT_FOUND',
  },
  push: {
    label: 'Push notification policy',
    key: 'rpId',
    collection: 'pushNotificationPolicies',
    exists: 'PUSH_NOTIFICATION_POLICY_EXISTS',
    notFound: 'PUSH_NOTIFICATION_POLICY_NOT_FOUND',
  },
} as const;
export type StorePolicyKind = keyof typeof storePolicyKinds;
/** Each kind's policy as the stream holds it (a push policy with its keys encrypted). */
export interface StorePolicyOf {
  totp: TotpPolicy;
  passcode: PasscodePolicy;
  passkey: PasskeyConfig;
  appkey: AppkeyConfig;
  push: StoredPushNotificationPolicy;
}
/** A policy (or configuration) with its kind, so one command shape serves every kind. */
export type KindedStorePolicy = { [K in StorePolicyKind]: { kind: K; policy: StorePolicyOf[K] } }[StorePolicyKind];

/** The key of a policy of a kind: its name, or the rpId of a configuration or push policy. */
export const storePolicyKey = (kinded: KindedStorePolicy): string =>
  'rpId' in kinded.policy ? kinded.policy.rpId : kinded.policy.name;

/** The policy of a kind by its key (name, or rpId), or undefined. */
export const storePolicy = <K extends StorePolicyKind>(store: StoreRecord, kind: K, key: string): StorePolicyOf[K] | undefined =>
  ownEntry(store[storePolicyKinds[kind].collection] as Record<string, StorePolicyOf[K]>, key);

/** 404 (`POLICY_NOT_FOUND`, `PASSKEY_CONFIG_NOT_FOUND`, …) naming the kind. */
export const policyNotFound = (kind: StorePolicyKind, key: string) =>
  notFound(storePolicyKinds[kind].notFound, `${storePolicyKinds[kind].label} ${key} does not exist.`);

type PolicyCollection = (typeof storePolicyKinds)[StorePolicyKind]['collection'];

/** The store with one policy of a collection added, replaced (policy) or removed (undefined), by key. */
const withPolicy = (
  state: StoreState,
  collection: PolicyCollection,
  key: string,
  policy: StorePolicyOf[StorePolicyKind] | undefined,
  at: string,
): StoreState => {
  if (!state.store) return state;
  const { [key]: _previous, ...others } = state.store[collection] as Record<string, unknown>;
  const policies = policy === undefined ? others : { ...others, [key]: policy };
  return { ...state, store: { ...state.store, [collection]: policies, lastUpdatedDtm: at } };
};

/** The store with its one biometric policy set, or removed (null: the defaults apply). */
const withBiometricPolicy = (state: StoreState, biometricPolicy: BiometricPolicy | null, at: string): StoreState =>
  state.store ? { ...state, store: { ...state.store, biometricPolicy, lastUpdatedDtm: at } } : state;

export const evolveStore = (state: StoreState, event: StoreEvent): StoreState => {
  switch (event.type) {
    case 'StoreCreated': {
      const d = event.data;
      return {
        deleted: false,
        store: {
          id: d.storeId,
          name: d.name,
          ...(d.description !== undefined ? { description: d.description } : {}),
          attributeSchema: d.attributeSchema,
          passkeyConfigs: {},
          appkeyConfigs: {},
          totpPolicies: {},
          passcodePolicies: {},
          pushNotificationPolicies: {},
          biometricPolicy: null,
          createdDtm: d.at,
          lastUpdatedDtm: d.at,
        },
      };
    }
    case 'StoreUpdated': {
      if (!state.store) return state;
      const { description: _old, ...rest } = state.store;
      const description = event.data.description === undefined ? state.store.description : event.data.description;
      return {
        ...state,
        store: {
          ...rest,
          ...(description !== null && description !== undefined ? { description } : {}),
          attributeSchema:
            event.data.attributeSchema === undefined ? state.store.attributeSchema : event.data.attributeSchema,
          lastUpdatedDtm: event.data.at,
        },
      };
    }
    case 'StoreDeleted':
      return { ...state, deleted: true };
    case 'TotpPolicySet':
      return withPolicy(state, 'totpPolicies', event.data.policy.name, event.data.policy, event.data.at);
    case 'TotpPolicyRemoved':
      return withPolicy(state, 'totpPolicies', event.data.name, undefined, event.data.at);
    case 'PasscodePolicySet':
      return withPolicy(state, 'passcodePolicies', event.data.policy.name, event.data.policy, event.data.at);
    case 'PasscodePolicyRemoved':
      return withPolicy(state, 'passcodePolicies', event.data.name, undefined, event.data.at);
    case 'PasskeyConfigSet':
      return withPolicy(state, 'passkeyConfigs', event.data.config.rpId, event.data.config, event.data.at);
    case 'PasskeyConfigRemoved':
      return withPolicy(state, 'passkeyConfigs', event.data.rpId, undefined, event.data.at);
    case 'AppkeyConfigSet':
      return withPolicy(state, 'appkeyConfigs', event.data.config.rpId, event.data.config, event.data.at);
    case 'AppkeyConfigRemoved':
      return withPolicy(state, 'appkeyConfigs', event.data.rpId, undefined, event.data.at);
    case 'PushNotificationPolicySet':
      return withPolicy(state, 'pushNotificationPolicies', event.data.policy.rpId, event.data.policy, event.data.at);
    case 'PushNotificationPolicyRemoved':
      return withPolicy(state, 'pushNotificationPolicies', event.data.rpId, undefined, event.data.at);
    case 'BiometricPolicySet':
      return withBiometricPolicy(state, event.data.policy, event.data.at);
    case 'BiometricPolicyRemoved':
      return withBiometricPolicy(state, null, event.data.at);
  }
};
