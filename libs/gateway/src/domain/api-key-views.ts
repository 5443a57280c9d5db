import type { ApiKeyResource } from '@identity-store/contracts';
import type { ApiKeyRecord } from './api-key';

/** What the management API shows of a key (never the secret or its hash): contracts' apiKeyResourceSchema. */
export const toApiKeyResource = (key: ApiKeyRecord): ApiKeyResource => ({
  id: key.id,
  name: key.name,
  permissions: key.permissions,
  stores: key.stores,
  createdDtm: key.createdDtm,
  lastUpdatedDtm: key.lastUpdatedDtm,
});

/** A key's document in the read model of the management API (`api-keys`): its resource and status. */
export type ApiKeyDocument = ApiKeyResource & { status: 'ACTIVE' | 'REVOKED'; revokedDtm: string | null };

export const toApiKeyDocument = (key: ApiKeyRecord): ApiKeyDocument => ({
  ...toApiKeyResource(key),
  status: key.status,
  revokedDtm: key.revokedDtm,
});
