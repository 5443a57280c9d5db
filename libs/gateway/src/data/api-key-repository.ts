import {
  DocumentStore,
  type EventMetadata,
  ExpectedVersionConflictError,
  type Page,
  type PageRequest,
  PostgresEventStore,
  Prisma,
  type PrismaClient,
} from '@identity-store/event-store';
import {
  type ApiKeyEvent,
  type ApiKeyResource,
  type ApiKeyState,
  apiKeyStreamId,
  evolveApiKey,
  initialApiKeyState,
  toApiKeyResource,
} from '../domain/api-key-decider';
import { type KeyScope, WILDCARD_PERMISSION } from '../domain/permissions';

/** Read model of the management API: one document per key, without the secret hash. */
export const API_KEYS_COLLECTION = 'api-keys';
/** Active keys live in the default partition (listed); revoked ones are kept aside for audit. */
const REVOKED_PARTITION = 'revoked';

export type ApiKeyDocument = ApiKeyResource & { status: 'ACTIVE' | 'REVOKED'; revokedDtm: string | null };

export interface LoadedApiKey {
  state: ApiKeyState;
  /** Stream version (0: no stream). */
  version: number;
}

/**
 * Persistence of API keys in the gateway's own database: the event streams `apikey-<id>` (source of
 * truth, folded on load — a key's stream is a handful of events) and the `api-keys` documents,
 * written inline in the append transaction.
 */
export class ApiKeyRepository {
  private readonly events: PostgresEventStore;
  private readonly documents: DocumentStore;

  constructor(private readonly prisma: PrismaClient) {
    this.events = new PostgresEventStore(prisma);
    this.documents = new DocumentStore(prisma);
  }

  async load(id: string): Promise<LoadedApiKey> {
    const recorded = await this.events.readStream<ApiKeyEvent>(apiKeyStreamId(id));
    let state = initialApiKeyState();
    for (const event of recorded)
      state = evolveApiKey(state, { type: event.type, data: event.data } as ApiKeyEvent);
    return { state, version: recorded.at(-1)?.streamVersion ?? 0 };
  }

  /**
   * Runs a decision on the key's current state and appends its events expecting that version;
   * on a concurrent append the decision is re-run on the fresh state. `decide` must be pure.
   * Errors it throws (DomainError) propagate and nothing is written.
   */
  async execute(
    id: string,
    decide: (state: ApiKeyState, version: number) => ApiKeyEvent[],
    metadata: EventMetadata,
  ): Promise<LoadedApiKey & { events: ApiKeyEvent[] }> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.load(id);
      const decided = decide(current.state, current.version);
      if (decided.length === 0) return { ...current, events: [] };
      const state = decided.reduce(evolveApiKey, current.state);
      try {
        await this.events.appendToStream<ApiKeyEvent>(apiKeyStreamId(id), decided, {
          expectedVersion: current.version,
          metadata,
          inline: async (tx) => {
            if (state.status === 'ABSENT') return;
            const document: ApiKeyDocument = {
              ...toApiKeyResource(state),
              status: state.status,
              revokedDtm: state.revokedDtm,
            };
            await this.documents.put(
              tx,
              API_KEYS_COLLECTION,
              id,
              document,
              state.status === 'REVOKED' ? REVOKED_PARTITION : '',
            );
          },
        });
        return { state, version: current.version + decided.length, events: decided };
      } catch (error) {
        if (!(error instanceof ExpectedVersionConflictError) || attempt >= 5) throw error;
      }
    }
  }

  /**
   * Active keys, a page at a time; with `visibleTo`, only the keys that scope covers (see
   * {@link coveredBy}).
   */
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

  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
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
