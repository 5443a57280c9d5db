/** Reads what `check` compares from the run's databases: the services' streams and outboxes, and the audit read models. */
import type { SummaryInfo } from '@identity-store/contracts';
import type { RunDatabases } from './infrastructure';
import { EVENT_SERVICES, type EventService, type Snapshot, type StoredEvent } from './verify';

/** The audit projector's consumer name in its checkpoints and the collections it writes (apps/audit). */
const AUDIT_CONSUMER = 'audit-projector';

export const readSnapshot = async (databases: RunDatabases): Promise<Snapshot> => {
  const perService = await Promise.all(
    EVENT_SERVICES.map((service) =>
      databases.withClient(service, async (client) => {
        const events = await client.query<{
          position: string;
          stream_id: string;
          stream_version: number;
          type: string;
          data: Record<string, unknown>;
          integration: boolean;
        }>(
          `SELECT e.position::text AS position, e.stream_id, e.stream_version, e.type, e.data,
                  EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.id) AS integration
             FROM events e ORDER BY e.position`,
        );
        const unpublished = await client.query<{ count: string }>(
          'SELECT count(*)::text AS count FROM outbox WHERE published_at IS NULL',
        );
        return {
          service,
          unpublished: Number(unpublished.rows[0]!.count),
          events: events.rows.map((row): StoredEvent => ({
            position: Number(row.position),
            streamId: row.stream_id,
            streamVersion: row.stream_version,
            type: row.type,
            data: row.data,
            integration: row.integration,
          })),
        };
      }),
    ),
  );
  const audit = await databases.withClient('audit', async (client) => {
    const checkpoints = await client.query<{ stream_id: string; stream_version: number }>(
      'SELECT stream_id, stream_version FROM stream_checkpoints WHERE consumer = $1',
      [AUDIT_CONSUMER],
    );
    const documents = await client.query<{ collection: string; id: string; data: any }>(
      `SELECT collection, id, data FROM documents WHERE collection IN ('summaries', 'authentications', 'registrations')`,
    );
    return { checkpoints: checkpoints.rows, documents: documents.rows };
  });
  const events = Object.fromEntries(perService.map((s) => [s.service, s.events])) as Record<
    EventService,
    StoredEvent[]
  >;
  return {
    events,
    unpublished: perService.reduce((sum, s) => sum + s.unpublished, 0),
    checkpoints: new Map(audit.checkpoints.map((row) => [row.stream_id, row.stream_version])),
    authentications: new Map(
      audit.documents
        .filter((d) => d.collection === 'authentications')
        .map((d) => [d.id, { userId: String(d.data.userId), result: String(d.data.result) }]),
    ),
    registrations: new Set(audit.documents.filter((d) => d.collection === 'registrations').map((d) => d.id)),
    summaries: new Map(
      audit.documents
        .filter((d) => d.collection === 'summaries')
        .map((d) => [String(d.data.userId ?? d.id), d.data.summaryInfo as SummaryInfo]),
    ),
  };
};

/**
 * Cheap progress probe (polled while waiting for the pipeline): outbox rows not yet published, and
 * streams whose audit checkpoint is below their last published version.
 */
export const pipelineBacklog = async (
  databases: RunDatabases,
): Promise<{ unpublished: number; streamsBehind: number; parked: number }> => {
  const perService = await Promise.all(
    EVENT_SERVICES.map((service) =>
      databases.withClient(service, async (client) => {
        const { rows } = await client.query<{ stream_id: string; version: number }>(
          `SELECT e.stream_id, max(e.stream_version) AS version FROM events e JOIN outbox o ON o.event_id = e.id GROUP BY e.stream_id`,
        );
        const unpublished = await client.query<{ count: string }>(
          'SELECT count(*)::text AS count FROM outbox WHERE published_at IS NULL',
        );
        return { last: rows, unpublished: Number(unpublished.rows[0]!.count) };
      }),
    ),
  );
  const { checkpoints, parked } = await databases.withClient('audit', async (client) => {
    const { rows } = await client.query<{ stream_id: string; stream_version: number }>(
      'SELECT stream_id, stream_version FROM stream_checkpoints WHERE consumer = $1',
      [AUDIT_CONSUMER],
    );
    // Events that arrived ahead of a gap in their stream wait here until the versions before them come.
    const waiting = await client.query<{ count: string }>(
      'SELECT count(*)::text AS count FROM parked_events WHERE consumer = $1',
      [AUDIT_CONSUMER],
    );
    return {
      checkpoints: new Map(rows.map((row) => [row.stream_id, row.stream_version])),
      parked: Number(waiting.rows[0]!.count),
    };
  });
  return {
    parked,
    unpublished: perService.reduce((sum, s) => sum + s.unpublished, 0),
    streamsBehind: perService
      .flatMap((s) => s.last)
      .filter((row) => (checkpoints.get(row.stream_id) ?? 0) < row.version).length,
  };
};

/** The highest append position per service: events after it belong to the next phase. */
export const positionsOf = (snapshot: Snapshot): Record<EventService, number> =>
  Object.fromEntries(
    EVENT_SERVICES.map((service) => [
      service,
      snapshot.events[service].reduce((max, e) => Math.max(max, e.position), 0),
    ]),
  ) as Record<EventService, number>;
