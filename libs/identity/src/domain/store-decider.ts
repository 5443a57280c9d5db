import {
  conflict,
  notFound,
  type PasscodePolicy,
  PasscodePolicyRemoved,
  PasscodePolicySet,
  type PasskeyConfig,
  PasskeyConfigRemoved,
  PasskeyConfigSet,
  type StoreEvent,
  StoreCreated,
  StoreDeleted,
  StoreUpdated,
  type Store,
  type TotpPolicy,
  TotpPolicyRemoved,
  TotpPolicySet,
  ownEntry,
} from '@identity-store/contracts';

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

/** The policies and configurations a store is created or updated with (each one added or replaced). */
export interface StorePolicies {
  totpPolicies: TotpPolicy[];
  passcodePolicies: PasscodePolicy[];
  passkeyConfigs: PasskeyConfig[];
}

export type StoreCommand =
  | ({
      type: 'CreateStore';
      storeId: string;
      name: string;
      description?: string;
      attributeSchema: Record<string, unknown> | null;
      now: Date;
    } & StorePolicies)
  | ({
      type: 'UpdateStore';
      description?: string | null;
      attributeSchema?: Record<string, unknown> | null;
      now: Date;
    } & Partial<StorePolicies>)
  | { type: 'DeleteStore'; now: Date }
  | ({ type: 'SetPolicy'; mode: 'create' | 'update'; now: Date } & KindedStorePolicy)
  /** `name`: the key of the policy (a passkey configuration's rpId). */
  | { type: 'RemovePolicy'; kind: StorePolicyKind; name: string; now: Date };

const existing = (state: StoreState): Store => {
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
  }
};

const policyRemovedEvent = (storeId: string, at: string, kind: StorePolicyKind, key: string): StoreEvent =>
  kind === 'passkey'
    ? PasskeyConfigRemoved.create({ storeId, rpId: key, at })
    : storePolicyKinds[kind].Removed.create({ storeId, name: key, at });

/** Set events of every policy given with a store create or update: TOTP, passcode, then passkey. */
const policySetEvents = (storeId: string, at: string, policies: Partial<StorePolicies>): StoreEvent[] => [
  ...(policies.totpPolicies ?? []).map((policy) => policySetEvent(storeId, at, { kind: 'totp', policy })),
  ...(policies.passcodePolicies ?? []).map((policy) => policySetEvent(storeId, at, { kind: 'passcode', policy })),
  ...(policies.passkeyConfigs ?? []).map((policy) => policySetEvent(storeId, at, { kind: 'passkey', policy })),
];

/** 404 (`POLICY_NOT_FOUND`, `PASSKEY_CONFIG_NOT_FOUND`) naming the kind; also used by the routes' reads. */
export const policyNotFound = (kind: StorePolicyKind, key: string) =>
  notFound(storePolicyKinds[kind].notFound, `${storePolicyKinds[kind].label} ${key} does not exist.`);

/** The policy of a kind by its key (name, or rpId), or undefined. */
export const storePolicy = <K extends StorePolicyKind>(store: Store, kind: K, key: string): StorePolicyOf[K] | undefined =>
  ownEntry(store[storePolicyKinds[kind].collection] as Record<string, StorePolicyOf[K]>, key);

export const decideStore = (command: StoreCommand, state: StoreState): StoreEvent[] => {
  const at = command.now.toISOString();
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
      events.push(...policySetEvents(store.id, at, command));
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
  }
};

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
