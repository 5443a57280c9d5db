import type { ApiKeyResource } from '@identity-store/contracts';
import {
  type InMemoryEventStore,
  type InMemoryTx,
  type Page,
  type PageRequest,
} from '@identity-store/event-store';
import { createLogger, createServiceApps, type Express } from '@identity-store/http-kit';
import type { ApiKeyRecord } from '../domain/api-key';
import { apiKeyRoutes } from '../api/api-key-api';
import { ApiKeyService } from '../api-key-service';
import { type ApiKeyList, apiKeyStorage } from '../data/api-key-storage';
import { toApiKeyResource } from '../domain/api-key-views';
import { type KeyScope, scopeViolation } from '../domain/permissions';
import { TokenService } from '../api/tokens';

/**
 * The management API's list in memory, for unit specs: the same answers as PostgresApiKeyList
 * (active keys only, those the scope covers, sorted by a field then by creation, paged).
 */
export class InMemoryApiKeyList implements ApiKeyList<InMemoryTx> {
  private readonly keys = new Map<string, ApiKeyRecord>();

  async put(_tx: InMemoryTx, key: ApiKeyRecord): Promise<void> {
    this.keys.delete(key.id);
    this.keys.set(key.id, key);
  }

  async page(request: PageRequest, visibleTo?: KeyScope): Promise<Page<ApiKeyResource>> {
    const listed = [...this.keys.values()].filter(
      (key) => key.status === 'ACTIVE' && (!visibleTo || scopeViolation(visibleTo, key) === undefined),
    );
    const { sort } = request;
    if (sort) {
      const field = sort.field as keyof ApiKeyResource;
      const sign = sort.direction === 'desc' ? -1 : 1;
      listed.sort((a, b) => sign * String(a[field]).localeCompare(String(b[field])));
    }
    return {
      content: listed
        .slice(request.page * request.size, (request.page + 1) * request.size)
        .map(toApiKeyResource),
      page: request.page,
      size: request.size,
      totalElements: listed.length,
      totalPages: Math.ceil(listed.length / request.size),
    };
  }
}

/** The gateway's API-key routes on an in-memory event store (no database), and its key service. */
export const inMemoryApiKeyApp = (
  eventStore: InMemoryEventStore,
  options: { now?: () => Date } = {},
): { app: Express; apiKeys: ApiKeyService } => {
  const apiKeys = new ApiKeyService(apiKeyStorage(eventStore, new InMemoryApiKeyList()), options);
  const tokens = new TokenService({ secret: Buffer.alloc(32, 1), now: options.now });
  const { app } = createServiceApps({
    name: 'gateway',
    logger: createLogger('gateway', 'silent'),
    operationalEndpoints: false,
    routers: [apiKeyRoutes({ apiKeys, tokens })],
  });
  return { app, apiKeys };
};
