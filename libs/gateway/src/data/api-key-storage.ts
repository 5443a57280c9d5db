import type { ApiKeyResource } from '@identity-store/contracts';
import {
  CommandHandler,
  DocumentStore,
  type EventMetadata,
  type EventStore,
  type HandleResult,
  type Page,
  type PageRequest,
  PostgresEventStore,
  Prisma,
  type PrismaClient,
  type PrismaTx,
} from '@identity-store/event-store';
import { type KeyScope, WILDCARD_PERMISSION } from '../domain/permissions';
import { type ApiKeyEvent, type ApiKeyRecord, type ApiKeyState, apiKeyStreamId } from '../domain/api-key';
import { apiKeyDecider } from '../domain/api-key-decider';
import { type ApiKeyDocument, toApiKeyDocument } from '../domain/api-key-views';

/** Read model of the management API: one document per key, without the secret hash. */
export const API_KEYS_COLLECTION = 'api-keys';
/** Active keys live in the default partition (listed); revoked ones are kept aside for audit. */
const REVOKED_PARTITION = 'revoked';

/** The listed keys, written inline (in the append's transaction `Tx`) by every decision. */
export interface ApiKeyList<Tx> {
  put(tx: Tx, key: ApiKeyRecord): Promise<void>;
  /** Active keys, a page at a time; with `visibleTo`, only the keys that scope covers. */
  page(request: PageRequest, visibleTo?: KeyScope): Promise<Page<ApiKeyResource>>;
}

/** What the API-key use cases need of storage, whichever event store is under it. */
export interface ApiKeyStorage {
  load(id: string): Promise<{ state: ApiKeyState; version: number }>;
  /**
   * The command handler's decide → append → retry on the key's stream (`decide` must be pure;
   * errors it throws propagate and nothing is written), the key's document written inline.
   */
  handle(
    id: string,
    decide: (state: ApiKeyState, version: number) => ApiKeyEvent[],
    metadata: EventMetadata,
  ): Promise<HandleResult<ApiKeyState, ApiKeyEvent>>;
  page(request: PageRequest, visibleTo?: KeyScope): Promise<Page<ApiKeyResource>>;
  ping(): Promise<void>;
}

export const apiKeyStorage = <Tx>(
  store: EventStore<Tx>,
  list: ApiKeyList<Tx>,
  ping: () => Promise<void> = async () => undefined,
): ApiKeyStorage => {
  const handler = new CommandHandler<ApiKeyState, ApiKeyEvent, Tx>(store, apiKeyDecider);
  return {
    load: (id) => handler.load(apiKeyStreamId(id)),
    handle: (id, decide, metadata) =>
      handler.handle(apiKeyStreamId(id), decide, {
        metadata,
        project: async (tx, key) => {
          if (key.status !== 'ABSENT') await list.put(tx, key);
        },
      }),
    page: (request, visibleTo) => list.page(request, visibleTo),
    ping,
  };
};

/**
 * API keys in the gateway's own database: the event streams `apikey-<id>` (source of truth) and
 * the `api-keys` documents, written inline in the append transaction.
 */
export const postgresApiKeyStorage = (prisma: PrismaClient): ApiKeyStorage =>
  apiKeyStorage(new PostgresEventStore(prisma), new PostgresApiKeyList(prisma), async () => {
    await prisma.$queryRaw`SELECT 1`;
  });

export class PostgresApiKeyList implements ApiKeyList<PrismaTx> {
  private readonly documents: DocumentStore;

  constructor(prisma: PrismaClient) {
    this.documents = new DocumentStore(prisma);
  }

  async put(tx: PrismaTx, key: ApiKeyRecord): Promise<void> {
    const document: ApiKeyDocument = toApiKeyDocument(key);
    await this.documents.put(
      tx,
      API_KEYS_COLLECTION,
      key.id,
      document,
      key.status === 'REVOKED' ? REVOKED_PARTITION : '',
    );
  }

  async page(request: PageRequest, visibleTo?: KeyScope): Promise<Page<ApiKeyResource>> {
    const page = await this.documents.page<ApiKeyDocument>(
      API_KEYS_COLLECTION,
      '',
      request,
      visibleTo && coveredBy(visibleTo),
    );
    return {
      ...page,
      content: page.content.map(({ status: _status, revokedDtm: _revoked, ...resource }) => resource),
    };
  }
}

/**
 * `scopeViolation(scope, key) === undefined` as a condition on a key document: every permission of
 * the key granted by the scope (the wildcard only by the wildcard) and, for a scope limited to some
 * stores, a key limited to stores among them. (permissions.unit.spec and the gateway int spec hold
 * the two to the same answers.)
 */
export const coveredBy = (scope: KeyScope): Prisma.Sql => {
  const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (!scope.permissions.includes(WILDCARD_PERMISSION))
    conditions.push(Prisma.sql`data->'permissions' <@ ${JSON.stringify(scope.permissions)}::jsonb`);
  if (scope.stores !== null)
    conditions.push(
      Prisma.sql`jsonb_typeof(data->'stores') = 'array' AND data->'stores' <@ ${JSON.stringify(scope.stores)}::jsonb`,
    );
  return Prisma.join(conditions, ' AND ');
};
