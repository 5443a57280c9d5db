import { conflict, notFound } from '@identity-store/contracts';
import { WILDCARD_PERMISSION } from './permissions';
import {
  ADMIN_KEY_ID,
  ADMIN_KEY_NAME,
  type ApiKeyEvent,
  type ApiKeyRecord,
  type ApiKeyState,
  type ApiKeyUpdated,
  evolveApiKey,
  initialApiKeyState,
} from './api-key';

/**
 * The API-key decisions, Emmett style: `decideApiKey(command, state) → events`. Pure: the clock
 * (`metadata.now`), the id and the secret's hash come in with the commands; nothing here does I/O
 * or draws random numbers.
 */

/** What every command carries besides its own fields. */
export interface CommandMetadata {
  now: Date;
}

export interface CreateApiKey {
  type: 'CreateApiKey';
  metadata: CommandMetadata;
  id: string;
  name: string;
  permissions: string[];
  stores: string[] | null;
  secretHash: string;
}

export interface UpdateApiKey {
  type: 'UpdateApiKey';
  metadata: CommandMetadata;
  name?: string;
  permissions?: string[];
  stores?: string[] | null;
}

export interface RevokeApiKey {
  type: 'RevokeApiKey';
  metadata: CommandMetadata;
}

/** Creates the bootstrap key, or brings it back to `IdentityStore:*`, all stores and this secret. */
export interface EnsureBootstrapKey {
  type: 'EnsureBootstrapKey';
  metadata: CommandMetadata;
  secretHash: string;
  /**
   * The stored hash the configured secret was verified against, when `secretHash` is that same
   * secret hashed anew (e.g. SHA-256 → scrypt): if it is still the stored one, this is a rehash
   * and not a re-key.
   */
  rehashOf?: string;
}

export type ApiKeyCommand = CreateApiKey | UpdateApiKey | RevokeApiKey | EnsureBootstrapKey;

/** Duplicates removed, first occurrence kept (order is the caller's). */
const unique = (values: readonly string[]): string[] => [...new Set(values)];

const sameList = (a: readonly string[] | null, b: readonly string[] | null): boolean =>
  a === null || b === null ? a === b : a.length === b.length && a.every((value, index) => value === b[index]);

const activeOrThrow = (state: ApiKeyState): ApiKeyRecord => {
  if (state.status !== 'ACTIVE')
    throw notFound('API_KEY_NOT_FOUND', 'The API key does not exist or was revoked.');
  return state;
};

const notManagedByConfiguration = (key: ApiKeyRecord): void => {
  if (key.id === ADMIN_KEY_ID)
    throw conflict(
      'API_KEY_MANAGED_BY_CONFIGURATION',
      'The bootstrap key is managed by the ADMIN_API_KEY configuration and cannot be changed through the API.',
    );
};

export const decideApiKey = (command: ApiKeyCommand, state: ApiKeyState): ApiKeyEvent[] => {
  const now = command.metadata.now.toISOString();
  switch (command.type) {
    case 'CreateApiKey': {
      if (state.status !== 'ABSENT')
        throw conflict('API_KEY_EXISTS', `An API key with id ${command.id} already exists.`);
      return [
        {
          type: 'ApiKeyCreated',
          data: {
            id: command.id,
            name: command.name,
            permissions: unique(command.permissions),
            stores: command.stores === null ? null : unique(command.stores),
            secretHash: command.secretHash,
            createdDtm: now,
          },
        },
      ];
    }
    case 'UpdateApiKey': {
      const key = activeOrThrow(state);
      notManagedByConfiguration(key);
      const changes: Omit<ApiKeyUpdated['data'], 'updatedDtm'> = {};
      if (command.name !== undefined && command.name !== key.name) changes.name = command.name;
      if (command.permissions !== undefined) {
        const permissions = unique(command.permissions);
        if (!sameList(permissions, key.permissions)) changes.permissions = permissions;
      }
      if (command.stores !== undefined) {
        const stores = command.stores === null ? null : unique(command.stores);
        if (!sameList(stores, key.stores)) changes.stores = stores;
      }
      return Object.keys(changes).length
        ? [{ type: 'ApiKeyUpdated', data: { ...changes, updatedDtm: now } }]
        : [];
    }
    case 'RevokeApiKey': {
      const key = activeOrThrow(state);
      notManagedByConfiguration(key);
      return [{ type: 'ApiKeyRevoked', data: { revokedDtm: now } }];
    }
    case 'EnsureBootstrapKey': {
      if (state.status === 'ABSENT')
        return [
          {
            type: 'ApiKeyCreated',
            data: {
              id: ADMIN_KEY_ID,
              name: ADMIN_KEY_NAME,
              permissions: [WILDCARD_PERMISSION],
              stores: null,
              secretHash: command.secretHash,
              createdDtm: now,
            },
          },
        ];
      // Unreachable through the API (the bootstrap key cannot be revoked there); refuse rather
      // than silently resurrect a key someone revoked by other means.
      if (state.status === 'REVOKED') throw conflict('API_KEY_REVOKED', 'The bootstrap key was revoked.');
      const changes: Omit<ApiKeyUpdated['data'], 'updatedDtm'> = {};
      if (state.secretHash !== command.secretHash) {
        changes.secretHash = command.secretHash;
        if (command.rehashOf === state.secretHash) changes.rehashed = true;
      }
      if (!sameList(state.permissions, [WILDCARD_PERMISSION])) changes.permissions = [WILDCARD_PERMISSION];
      if (state.stores !== null) changes.stores = null;
      return Object.keys(changes).length
        ? [{ type: 'ApiKeyUpdated', data: { ...changes, updatedDtm: now } }]
        : [];
    }
  }
};

export const apiKeyDecider = {
  decide: decideApiKey,
  evolve: evolveApiKey,
  initialState: initialApiKeyState,
};
