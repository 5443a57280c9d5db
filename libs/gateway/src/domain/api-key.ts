import type { StoredEvent } from '@identity-store/contracts';

/**
 * The API-key aggregate: one stream per key (`apikey-<id>`); its stored events, its state and
 * `evolveApiKey(state, event) → state` (the decisions are in api-key-decider.ts).
 *
 * The key string itself (`isk_<id>_<secret>`) is never stored, only a hash of its secret part
 * (SHA-256 for generated keys, salted scrypt for a passphrase-style bootstrap key: api-key-format).
 *
 * The bootstrap key (id {@link ADMIN_KEY_ID}) belongs to the deployment's configuration
 * (`ADMIN_API_KEY`): it is created and re-keyed only by `EnsureBootstrapKey` (api-key-decider); the management
 * API can neither update nor revoke it (409 API_KEY_MANAGED_BY_CONFIGURATION), so an operator
 * cannot lock the installation out of itself. To rotate it, change ADMIN_API_KEY and restart.
 */

export const ADMIN_KEY_ID = 'admin';
export const ADMIN_KEY_NAME = 'Bootstrap administrator';

export const apiKeyStreamId = (id: string): string => `apikey-${id}`;

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
