import { topics } from '@identity-store/contracts';
import { Client } from 'pg';

/** The topics the projection consumes: outbox rows of other topics are never applied by it. */
const PROJECTED_TOPICS = Object.values(topics);

/**
 * A fingerprint of every service database, to tell whether a request changed anything. Per table:
 * the row count and, for tables rows of which are updated in place, a hash of every row
 * (`sum(hashtextextended(row::text, 0))`, order-free); the append-only `events` and `outbox` are
 * counted and their highest position taken (`outbox.published_at` is set by the relay after the
 * request, so it is left out). Tables are found at start, so a table a later migration adds is
 * covered without a change here.
 *
 * The audit database is a projection of the others' events, applied after the request that
 * appended them answered: {@link StateProbe.awaitProjection} waits until it has applied every event
 * appended since a fingerprint, so the next request starts from a quiet system.
 */

export type Fingerprint = Record<string, Record<string, string>>;

const APPEND_ONLY = new Set(['events', 'outbox']);
/** Columns changed by background work, not by requests. */
const BACKGROUND_COLUMNS: Record<string, string[]> = { outbox: ['published_at'] };
/**
 * Tables that are bookkeeping, not state: the in-process transport's committed outbox offsets
 * (written by a timer), and snapshots — a cache of folded states that any load of a long stream
 * may write, a read's included.
 */
const BACKGROUND_TABLES = new Set(['outbox_offsets', 'snapshots']);

export interface StateChange {
  service: string;
  table: string;
  before: string;
  after: string;
}

export class StateProbe {
  private readonly clients = new Map<string, Client>();
  private readonly queries = new Map<string, string>();

  private constructor(
    private readonly databases: Record<string, string>,
    private readonly projectionService: string,
  ) {}

  /** Connects to every database (service name → URL); `projection`: the service that projects the others. */
  static async connect(databases: Record<string, string>, projection = 'audit'): Promise<StateProbe> {
    const probe = new StateProbe(databases, projection);
    for (const [service, url] of Object.entries(databases)) {
      const client = new Client({ connectionString: url });
      await client.connect();
      probe.clients.set(service, client);
      const { rows } = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
          ORDER BY table_name`,
      );
      const parts = rows.flatMap(({ table_name: table }) => {
        if (BACKGROUND_TABLES.has(table)) return [];
        const quoted = `"${table.replace(/"/g, '""')}"`;
        if (APPEND_ONLY.has(table))
          return [
            `'${table}.count', (SELECT count(*)::text FROM ${quoted})`,
            `'${table}.max_position', (SELECT coalesce(max(position), 0)::text FROM ${quoted})`,
          ];
        const excluded = BACKGROUND_COLUMNS[table];
        const row = excluded ? `(to_jsonb(t) - '${excluded.join("' - '")}')::text` : 't::text';
        return [
          `'${table}', (SELECT count(*)::text || ':' || coalesce(sum(hashtextextended(${row}, 0)), 0)::text FROM ${quoted} t)`,
        ];
      });
      probe.queries.set(service, `SELECT json_build_object(${parts.join(', ')}) AS fingerprint`);
    }
    return probe;
  }

  async fingerprint(): Promise<Fingerprint> {
    const entries = await Promise.all(
      [...this.clients].map(async ([service, client]) => {
        const { rows } = await client.query<{ fingerprint: Record<string, string> }>(
          this.queries.get(service)!,
        );
        return [service, rows[0]!.fingerprint] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  /** What differs between two fingerprints (`sources` only: every service but the projection). */
  static diff(before: Fingerprint, after: Fingerprint, services?: string[]): StateChange[] {
    const changes: StateChange[] = [];
    for (const service of services ?? Object.keys(after))
      for (const [table, value] of Object.entries(after[service] ?? {})) {
        const previous = before[service]?.[table];
        if (previous !== value) changes.push({ service, table, before: previous ?? '-', after: value });
      }
    return changes;
  }

  get sourceServices(): string[] {
    return Object.keys(this.databases).filter((service) => service !== this.projectionService);
  }

  /** The events appended after a fingerprint (`service:type@stream`), for a report of what changed. */
  async eventsSince(before: Fingerprint): Promise<string[]> {
    const found: string[] = [];
    for (const service of this.sourceServices) {
      const from = before[service]?.['events.max_position'];
      if (from === undefined) continue;
      const { rows } = await this.clients
        .get(service)!
        .query<{ type: string; stream_id: string }>(
          'SELECT type, stream_id FROM events WHERE position > $1 ORDER BY position',
          [from],
        );
      found.push(...rows.map((row) => `${service}:${row.type}@${row.stream_id}`));
    }
    return found;
  }

  /** Rows of changed tables updated in the last seconds (tables with `updated_at`), for a report. */
  async recentlyUpdated(changes: StateChange[]): Promise<string[]> {
    const found: string[] = [];
    for (const { service, table } of changes) {
      if (APPEND_ONLY.has(table)) continue;
      const client = this.clients.get(service)!;
      const { rows: columns } = await client.query(
        `SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name = 'updated_at'`,
        [table],
      );
      if (!columns.length) continue;
      const { rows } = await client.query<{ row: string }>(
        `SELECT left(t::text, 160) AS row FROM "${table.replace(/"/g, '""')}" t
          WHERE updated_at > now() - interval '5 seconds' ORDER BY updated_at DESC LIMIT 5`,
      );
      found.push(...rows.map(({ row }) => `${service}.${table} ${row}`));
    }
    return found;
  }

  /**
   * Waits until the projection has applied every event published through an outbox since `before`
   * (its stream checkpoints reach each one's stream version). Resolves to what is still missing when
   * `timeoutMs` runs out (empty: all applied).
   */
  async awaitProjection(before: Fingerprint, timeoutMs: number): Promise<string[]> {
    const pending = new Map<string, number>();
    for (const service of this.sourceServices) {
      const from = before[service]?.['outbox.max_position'];
      if (from === undefined) continue;
      const { rows } = await this.clients
        .get(service)!
        .query<{ value: string }>('SELECT value FROM outbox WHERE position > $1 AND topic = ANY($2)', [
          from,
          PROJECTED_TOPICS,
        ]);
      for (const { value } of rows) {
        const { streamId, streamVersion } = JSON.parse(value) as { streamId: string; streamVersion: number };
        pending.set(streamId, Math.max(pending.get(streamId) ?? 0, streamVersion));
      }
    }
    const projection = this.clients.get(this.projectionService);
    if (!projection || pending.size === 0) return [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await projection.query<{ stream_id: string; stream_version: number }>(
        'SELECT stream_id, max(stream_version) AS stream_version FROM stream_checkpoints WHERE stream_id = ANY($1) GROUP BY stream_id',
        [[...pending.keys()]],
      );
      const applied = new Map(rows.map((row) => [row.stream_id, row.stream_version]));
      const missing = [...pending].filter(([stream, version]) => (applied.get(stream) ?? 0) < version);
      if (missing.length === 0) return [];
      if (Date.now() > deadline) return missing.map(([stream, version]) => `${stream}@${version}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.end()));
    this.clients.clear();
  }
}
