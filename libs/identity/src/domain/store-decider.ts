import {
  AppkeyConfigRemoved,
  AppkeyConfigSet,
  type BiometricPolicy,
  BiometricPolicyRemoved,
  BiometricPolicySet,
  conflict,
  notFound,
  PasscodePolicyRemoved,
  PasscodePolicySet,
  PasskeyConfigRemoved,
  PasskeyConfigSet,
  PushNotificationPolicyRemoved,
  StoreCreated,
  StoreDeleted,
  StoreUpdated,
  TotpPolicyRemoved,
  TotpPolicySet,
} from '@identity-store/contracts';
import {
  evolveStore,
  initialStoreState,
  type KindedStorePolicy,
  policyNotFound,
  PushNotificationPolicySet,
  type StoreEvent,
  storePolicy,
  storePolicyKey,
  type StorePolicyKind,
  storePolicyKinds,
  type StorePolicyOf,
  type StoreRecord,
  type StoreState,
} from './store';

/**
 * The policies and configurations a store is created or updated with (each one added or replaced),
 * as the stream holds them (push policies with their keys encrypted by the service).
 */
export interface StorePolicies {
  totpPolicies: StorePolicyOf['totp'][];
  passcodePolicies: StorePolicyOf['passcode'][];
  passkeyConfigs: StorePolicyOf['passkey'][];
  appkeyConfigs: StorePolicyOf['appkey'][];
  pushNotificationPolicies: StorePolicyOf['push'][];
}

/** What every store command carries besides its own fields: when it is decided. */
export interface StoreCommandMetadata {
  now: Date;
}

export type StoreCommand =
  | ({
      type: 'CreateStore';
      storeId: string;
      name: string;
      description?: string;
      attributeSchema: Record<string, unknown> | null;
      /** The store's biometric policy, whole; null or left out: none (the defaults apply). */
      biometricPolicy?: BiometricPolicy | null;
      metadata: StoreCommandMetadata;
    } & Partial<StorePolicies>)
  | ({
      type: 'UpdateStore';
      description?: string | null;
      attributeSchema?: Record<string, unknown> | null;
      /** Replaces the biometric policy as a whole; null removes it; left out keeps it. */
      biometricPolicy?: BiometricPolicy | null;
      metadata: StoreCommandMetadata;
    } & Partial<StorePolicies>)
  | { type: 'DeleteStore'; metadata: StoreCommandMetadata }
  | ({ type: 'SetPolicy'; mode: 'create' | 'update'; metadata: StoreCommandMetadata } & KindedStorePolicy)
  /** `name`: the key of the policy (a passkey configuration's rpId). */
  | { type: 'RemovePolicy'; kind: StorePolicyKind; name: string; metadata: StoreCommandMetadata }
  /** Sets or replaces the store's one biometric policy (the service merged a partial request into it). */
  | { type: 'SetBiometricPolicy'; policy: BiometricPolicy; metadata: StoreCommandMetadata }
  | { type: 'RemoveBiometricPolicy'; metadata: StoreCommandMetadata };

const existing = (state: StoreState): StoreRecord => {
  if (!state.store || state.deleted) throw notFound('STORE_NOT_FOUND', 'Store does not exist.');
  return state.store;
};

const policySetEvent = (storeId: string, at: string, kinded: KindedStorePolicy): StoreEvent => {
  switch (kinded.kind) {
    case 'totp':
      return TotpPolicySet.create({ storeId, policy: kinded.policy, at });
    case 'passcode':
      return PasscodePolicySet.create({ storeId, policy: kinded.policy, at });
    case 'passkey':
      return PasskeyConfigSet.create({ storeId, config: kinded.policy, at });
    case 'appkey':
      return AppkeyConfigSet.create({ storeId, config: kinded.policy, at });
    case 'push':
      return PushNotificationPolicySet.create({ storeId, policy: kinded.policy, at });
  }
};

const policyRemovedEvent = (storeId: string, at: string, kind: StorePolicyKind, key: string): StoreEvent => {
  switch (kind) {
    case 'totp':
      return TotpPolicyRemoved.create({ storeId, name: key, at });
    case 'passcode':
      return PasscodePolicyRemoved.create({ storeId, name: key, at });
    case 'passkey':
      return PasskeyConfigRemoved.create({ storeId, rpId: key, at });
    case 'appkey':
      return AppkeyConfigRemoved.create({ storeId, rpId: key, at });
    case 'push':
      return PushNotificationPolicyRemoved.create({ storeId, rpId: key, at });
  }
};

/**
 * Set events of every policy given with a store create or update: TOTP, passcode, passkey, appkey,
 * then push (the biometric policy's event comes last).
 */
const policySetEvents = (storeId: string, at: string, policies: Partial<StorePolicies>): StoreEvent[] => [
  ...(policies.totpPolicies ?? []).map((policy) => policySetEvent(storeId, at, { kind: 'totp', policy })),
  ...(policies.passcodePolicies ?? []).map((policy) => policySetEvent(storeId, at, { kind: 'passcode', policy })),
  ...(policies.passkeyConfigs ?? []).map((policy) => policySetEvent(storeId, at, { kind: 'passkey', policy })),
  ...(policies.appkeyConfigs ?? []).map((policy) => policySetEvent(storeId, at, { kind: 'appkey', policy })),
  ...(policies.pushNotificationPolicies ?? []).map((policy) => policySetEvent(storeId, at, { kind: 'push', policy })),
];

/**
 * The event that brings the store's biometric policy from `stored` to `wanted`: set it, remove it,
 * or nothing (left out, or removing one the store does not have: the defaults apply already).
 */
const biometricPolicyEvents = (
  storeId: string,
  at: string,
  stored: BiometricPolicy | null,
  wanted: BiometricPolicy | null | undefined,
): StoreEvent[] => {
  if (wanted === undefined || (wanted === null && stored === null)) return [];
  return [wanted ? BiometricPolicySet.create({ storeId, policy: wanted, at }) : BiometricPolicyRemoved.create({ storeId, at })];
};

export const decideStore = (command: StoreCommand, state: StoreState): StoreEvent[] => {
  const at = command.metadata.now.toISOString();
  switch (command.type) {
    case 'CreateStore': {
      if (state.store) throw conflict('STORE_EXISTS', `Store ${command.name} already exists.`);
      const { storeId } = command;
      return [
        StoreCreated.create({
          storeId,
          name: command.name,
          description: command.description,
          attributeSchema: command.attributeSchema,
          at,
        }),
        ...policySetEvents(storeId, at, command),
        ...biometricPolicyEvents(storeId, at, null, command.biometricPolicy),
      ];
    }
    case 'UpdateStore': {
      const store = existing(state);
      const events: StoreEvent[] = [];
      if (command.description !== undefined || command.attributeSchema !== undefined)
        events.push(
          StoreUpdated.create({
            storeId: store.id,
            description: command.description,
            attributeSchema: command.attributeSchema,
            at,
          }),
        );
      events.push(
        ...policySetEvents(store.id, at, command),
        ...biometricPolicyEvents(store.id, at, store.biometricPolicy, command.biometricPolicy),
      );
      return events;
    }
    case 'DeleteStore': {
      const store = existing(state);
      return [StoreDeleted.create({ storeId: store.id, name: store.name, at })];
    }
    case 'SetPolicy': {
      const store = existing(state);
      const key = storePolicyKey(command);
      const kind = storePolicyKinds[command.kind];
      const exists = storePolicy(store, command.kind, key) !== undefined;
      if (command.mode === 'create' && exists) throw conflict(kind.exists, `${kind.label} ${key} already exists.`);
      if (command.mode === 'update' && !exists) throw policyNotFound(command.kind, key);
      return [policySetEvent(store.id, at, command)];
    }
    case 'RemovePolicy': {
      const store = existing(state);
      if (storePolicy(store, command.kind, command.name) === undefined) throw policyNotFound(command.kind, command.name);
      return [policyRemovedEvent(store.id, at, command.kind, command.name)];
    }
    case 'SetBiometricPolicy': {
      const store = existing(state);
      return biometricPolicyEvents(store.id, at, store.biometricPolicy, command.policy);
    }
    case 'RemoveBiometricPolicy': {
      const store = existing(state);
      return biometricPolicyEvents(store.id, at, store.biometricPolicy, null);
    }
  }
};

export const storeDecider = { decide: decideStore, evolve: evolveStore, initialState: initialStoreState };
