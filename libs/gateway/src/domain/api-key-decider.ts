import { conflict, notFound, type StoredEvent } from '@identity-store/contracts';
import { WILDCARD_PERMISSION } from './permissions';

/**
 * The API-key aggregate: one stream per key (`apikey-<id>`). Emmett style: `decideApiKey(command,
 * state) → events`, `evolveApiKey(state, event) → state`. Pure: the clock, the id and the secret's
 * hash come in with the commands; nothing here does I/O or draws random numbers.
 *
 * The key string itself (`isk_<id>_<secret>`) is never stored, only a hash of its secret part
 * (SHA-256 for generated keys, salted scrypt for a passphrase-style bootstrap key: api-key-format).
 *
 * The bootstrap key (id {@link ADMIN_KEY_ID}) belongs to the deployment's configuration
 * (`ADMIN_API_KEY`): it is created and re-keyed only by {@link EnsureBootstrapKey}; the management
 * API can neither update nor revoke it (409 API_KEY_MANAGED_BY_CONFIGURATION), so an operator
 * cannot lock the installation out of itself. To rotate it, change ADMIN_API_KEY and restart.
 */

export const ADMIN_KEY_ID = 'admin';
export const ADMIN_KEY_NAME = 'Bootstrap administrator';

export const apiKeyStreamId = (id: string): string => `apikey-${id}`;

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

export type ApiKeyCreated = StoredEvent<
  'ApiKeyCreated',
  {
    id: string;
    name: string;
    permissions: string[];
    /** null: every store. */
    stores: string[] | null;
    /** Hash of the key's secret part: SHA-256 (hex), or a `$scrypt$…` PHC string (see api-key-format). */
    secretHash: string;
    createdDtm: string;
  }
>;

export type ApiKeyUpdated = StoredEvent<
  'ApiKeyUpdated',
  {
    name?: string;
    permissions?: string[];
    stores?: string[] | null;
    /** Present when the key's secret changed (the bootstrap key re-keyed from configuration). */
    secretHash?: string;
    /**
     * With `secretHash`: the same secret hashed anew (a passphrase moved from SHA-256 to scrypt), not
     * a re-key, so tokens issued before stay valid.
     */
    rehashed?: true;
    updatedDtm: string;
  }
>;

export type ApiKeyRevoked = StoredEvent<'ApiKeyRevoked', { revokedDtm: string }>;

export type ApiKeyEvent = ApiKeyCreated | ApiKeyUpdated | ApiKeyRevoked;

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

export interface ApiKeyRecord {
  status: 'ACTIVE' | 'REVOKED';
  id: string;
  name: string;
  permissions: string[];
  stores: string[] | null;
  secretHash: string;
  createdDtm: string;
  lastUpdatedDtm: string;
  /** When the secret last changed after creation. */
  secretRotatedDtm: string | null;
  /**
   * 0 at creation, +1 on every re-key. Tokens carry the version they were issued under and are
   * honoured only while it is the key's current one (exact, whatever the clock says).
   */
  secretVersion: number;
  revokedDtm: string | null;
}

export type ApiKeyState = { status: 'ABSENT' } | ApiKeyRecord;

export const initialApiKeyState = (): ApiKeyState => ({ status: 'ABSENT' });

export const evolveApiKey = (state: ApiKeyState, event: ApiKeyEvent): ApiKeyState => {
  switch (event.type) {
    case 'ApiKeyCreated':
      return {
        status: 'ACTIVE',
        ...event.data,
        lastUpdatedDtm: event.data.createdDtm,
        secretRotatedDtm: null,
        secretVersion: 0,
        revokedDtm: null,
      };
    case 'ApiKeyUpdated': {
      if (state.status === 'ABSENT') return state;
      const { updatedDtm, rehashed, ...changes } = event.data;
      const rekeyed = changes.secretHash !== undefined && !rehashed;
      return {
        ...state,
        ...changes,
        lastUpdatedDtm: updatedDtm,
        secretRotatedDtm: rekeyed ? updatedDtm : state.secretRotatedDtm,
        secretVersion: rekeyed ? state.secretVersion + 1 : state.secretVersion,
      };
    }
    case 'ApiKeyRevoked':
      if (state.status === 'ABSENT') return state;
      return {
        ...state,
        status: 'REVOKED',
        revokedDtm: event.data.revokedDtm,
        lastUpdatedDtm: event.data.revokedDtm,
      };
  }
};

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

export interface CreateApiKey {
  type: 'CreateApiKey';
  now: Date;
  id: string;
  name: string;
  permissions: string[];
  stores: string[] | null;
  secretHash: string;
}

export interface UpdateApiKey {
  type: 'UpdateApiKey';
  now: Date;
  name?: string;
  permissions?: string[];
  stores?: string[] | null;
}

export interface RevokeApiKey {
  type: 'RevokeApiKey';
  now: Date;
}

/** Creates the bootstrap key, or brings it back to `IdentityStore:*`, all stores and this secret. */
export interface EnsureBootstrapKey {
  type: 'EnsureBootstrapKey';
  now: Date;
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
  const now = command.now.toISOString();
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

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

/** What the management API shows of a key: never the secret or its hash. */
export interface ApiKeyResource {
  id: string;
  name: string;
  permissions: string[];
  stores: string[] | null;
  createdDtm: string;
  lastUpdatedDtm: string;
}

export const toApiKeyResource = (key: ApiKeyRecord): ApiKeyResource => ({
  id: key.id,
  name: key.name,
  permissions: key.permissions,
  stores: key.stores,
  createdDtm: key.createdDtm,
  lastUpdatedDtm: key.lastUpdatedDtm,
});
