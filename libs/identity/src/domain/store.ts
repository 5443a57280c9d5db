import {
  type EventOfType,
  type identityIntegrationEvents,
  notFound,
  ownEntry,
  type PasscodePolicy,
  PasscodePolicyRemoved,
  PasscodePolicySet,
  type PasskeyConfig,
  PasskeyConfigRemoved,
  PasskeyConfigSet,
  type Store,
  type TotpPolicy,
  TotpPolicyRemoved,
  TotpPolicySet,
} from '@identity-store/contracts';

/**
 * The store aggregate (stream `store-<storeId>`): a store with its TOTP and passcode policies and
 * its passkey relying-party configurations. Its stored events carry no secrets and are published
 * on `identity-store.identity` as they are, so they are declared once, as integration events in
 * contracts (identity-integration-events.ts); the stream holds these of them.
 */
export type StoreEvent = EventOfType<
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
>;

export const storeStreamId = (storeId: string) => `store-${storeId}`;

export interface StoreState {
  store: Store | null;
  deleted: boolean;
}

export const initialStoreState = (): StoreState => ({ store: null, deleted: false });

/**
 * The keyed policies and configurations a store holds. Every kind has the same lifecycle (created
 * under a unique key, replaced, removed) and two events; only the shape differs, and its key: the
 * `name` of a policy, the `rpId` of a passkey configuration. `label` names one in messages; `exists`
 * and `notFound` are the codes of the 409 and 404 problems.
 */
export const storePolicyKinds = {
  totp: {
    label: 'TOTP policy',
    key: 'name',
    collection: 'totpPolicies',
    Set: TotpPolicySet,
    Removed: TotpPolicyRemoved,
    exists: 'POLICY_EXISTS',
    notFound: 'POLICY_NOT_FOUND',
  },
  passcode: {
    label: 'Passcode policy',
    key: 'name',
    collection: 'passcodePolicies',
    Set: PasscodePolicySet,
    Removed: PasscodePolicyRemoved,
    exists: 'POLICY_EXISTS',
    notFound: 'POLICY_NOT_FOUND',
  },
  passkey: {
    label: 'Passkey configuration',
    key: 'rpId',
    collection: 'passkeyConfigs',
    Set: PasskeyConfigSet,
    Removed: PasskeyConfigRemoved,
    exists: 'PASSKEY_CONFIG_EXISTS',
    notFound: 'PASSKEY_CONFIG_NOT_FOUND',
  },
} as const;
export type StorePolicyKind = keyof typeof storePolicyKinds;
export interface StorePolicyOf {
  totp: TotpPolicy;
  passcode: PasscodePolicy;
  passkey: PasskeyConfig;
}
/** A policy (or configuration) with its kind, so one command shape serves every kind. */
export type KindedStorePolicy = { [K in StorePolicyKind]: { kind: K; policy: StorePolicyOf[K] } }[StorePolicyKind];

/** The key of a policy of a kind: its name, or a passkey configuration's rpId. */
export const storePolicyKey = (kinded: KindedStorePolicy): string =>
  kinded.kind === 'passkey' ? kinded.policy.rpId : kinded.policy.name;

/** The policy of a kind by its key (name, or rpId), or undefined. */
export const storePolicy = <K extends StorePolicyKind>(store: Store, kind: K, key: string): StorePolicyOf[K] | undefined =>
  ownEntry(store[storePolicyKinds[kind].collection] as Record<string, StorePolicyOf[K]>, key);

/** 404 (`POLICY_NOT_FOUND`, `PASSKEY_CONFIG_NOT_FOUND`) naming the kind. */
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
  }
};
