import {
  conflict,
  notFound,
  type StoreEvent,
  StoreCreated,
  StoreDeleted,
  StoreUpdated,
  type Store,
  type TotpPolicy,
  TotpPolicyRemoved,
  TotpPolicySet,
} from '@identity-store/contracts';

export const storeStreamId = (storeId: string) => `store-${storeId}`;

export interface StoreState {
  store: Store | null;
  deleted: boolean;
}

export const initialStoreState = (): StoreState => ({ store: null, deleted: false });

export type StoreCommand =
  | {
      type: 'CreateStore';
      storeId: string;
      name: string;
      description?: string;
      attributeSchema: Record<string, unknown> | null;
      totpPolicies: TotpPolicy[];
      now: Date;
    }
  | {
      type: 'UpdateStore';
      description?: string | null;
      attributeSchema?: Record<string, unknown> | null;
      totpPolicies?: TotpPolicy[];
      now: Date;
    }
  | { type: 'DeleteStore'; now: Date }
  | { type: 'SetTotpPolicy'; policy: TotpPolicy; mode: 'create' | 'update'; now: Date }
  | { type: 'RemoveTotpPolicy'; name: string; now: Date };

const existing = (state: StoreState): Store => {
  if (!state.store || state.deleted) throw notFound('STORE_NOT_FOUND', 'Store does not exist.');
  return state.store;
};

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
        ...command.totpPolicies.map((policy) => TotpPolicySet.create({ storeId, policy, at })),
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
      for (const policy of command.totpPolicies ?? [])
        events.push(TotpPolicySet.create({ storeId: store.id, policy, at }));
      return events;
    }
    case 'DeleteStore': {
      const store = existing(state);
      return [StoreDeleted.create({ storeId: store.id, name: store.name, at })];
    }
    case 'SetTotpPolicy': {
      const store = existing(state);
      const exists = Boolean(store.totpPolicies[command.policy.name]);
      if (command.mode === 'create' && exists)
        throw conflict('POLICY_EXISTS', `TOTP policy ${command.policy.name} already exists.`);
      if (command.mode === 'update' && !exists)
        throw notFound('POLICY_NOT_FOUND', `TOTP policy ${command.policy.name} does not exist.`);
      return [TotpPolicySet.create({ storeId: store.id, policy: command.policy, at })];
    }
    case 'RemoveTotpPolicy': {
      const store = existing(state);
      if (!store.totpPolicies[command.name])
        throw notFound('POLICY_NOT_FOUND', `TOTP policy ${command.name} does not exist.`);
      return [TotpPolicyRemoved.create({ storeId: store.id, name: command.name, at })];
    }
  }
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
      if (!state.store) return state;
      return {
        ...state,
        store: {
          ...state.store,
          totpPolicies: { ...state.store.totpPolicies, [event.data.policy.name]: event.data.policy },
          lastUpdatedDtm: event.data.at,
        },
      };
    case 'TotpPolicyRemoved': {
      if (!state.store) return state;
      const { [event.data.name]: _removed, ...totpPolicies } = state.store.totpPolicies;
      return { ...state, store: { ...state.store, totpPolicies, lastUpdatedDtm: event.data.at } };
    }
  }
};
