import type { Store } from '@identity-store/contracts';
import { policyNotFound, storePolicy, type StorePolicyKind, type StorePolicyOf, type StoreState } from './store';

/** The store as the API shows it (the state keeps it in that shape); null before creation and after deletion. */
export const storeResource = (state: StoreState): Store | null => (state.store && !state.deleted ? state.store : null);

/** A policy (or passkey configuration) of the store by its key; 404 naming the kind when there is none. */
export const storePolicyResource = <K extends StorePolicyKind>(store: Store, kind: K, key: string): StorePolicyOf[K] => {
  const policy = storePolicy(store, kind, key);
  if (!policy) throw policyNotFound(kind, key);
  return policy;
};
