import { z } from 'zod';
import type { StoreState } from './store';
import type { UserState } from './user';

/**
 * Snapshots of the identity aggregates. The store and user records are checked for their shape
 * only (their contents were validated by the commands that made them, under rules that may have
 * tightened since). Bump a `version` whenever the evolver or the state's shape changes: older
 * snapshots are then ignored (a load folds the stream from its start).
 */
const storeState = z.object({
  store: z
    .looseObject({
      id: z.string(),
      name: z.string(),
      totpPolicies: z.record(z.string(), z.unknown()),
      passcodePolicies: z.record(z.string(), z.unknown()),
      passkeyConfigs: z.record(z.string(), z.unknown()),
      appkeyConfigs: z.record(z.string(), z.unknown()),
      pushNotificationPolicies: z.record(z.string(), z.unknown()),
      biometricPolicy: z.record(z.string(), z.unknown()).nullable(),
    })
    .nullable(),
  deleted: z.boolean(),
});

const userState = z.object({
  user: z
    .looseObject({ id: z.string(), storeId: z.string(), extId: z.string(), status: z.string() })
    .nullable(),
  deleted: z.boolean(),
});

export const storeSnapshot = {
  // 2: appkey configurations and push notification policies (the latter with encrypted keys).
  // 3: the biometric policy (null: the defaults).
  version: 3,
  parse: (stored: unknown): StoreState => storeState.parse(stored) as StoreState,
};

export const userSnapshot = {
  version: 1,
  parse: (stored: unknown): UserState => userState.parse(stored) as UserState,
};
