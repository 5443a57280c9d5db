import type { SqlClient } from './prisma-client';

export interface StreamVersionRef {
  streamId: string;
  streamVersion: number;
}

/**
 * Records, inside the caller's transaction, that `consumer` applied these stream versions, and
 * returns those not applied before (in the given order). A redelivered or replayed event comes back
 * filtered out: because the checkpoints are written in the same transaction as the read-model
 * change, no event is ever applied twice, whatever the transport did. One statement per batch.
 */
export const claimStreamVersions = async <T extends StreamVersionRef>(
  sql: SqlClient,
  consumer: string,
  events: T[],
): Promise<T[]> =>
  (await claimStreamVersionsAndRead(sql, consumer, events, { collection: '', ids: [] })).fresh;

/**
 * `claimStreamVersions` plus, in the same statement (one round trip less per projected batch), the
 * read-model documents the batch will change.
 */
export const claimStreamVersionsAndRead = async <T extends StreamVersionRef, D>(
  sql: SqlClient,
  consumer: string,
  events: T[],
  read: { collection: string; ids: string[] },
): Promise<{ fresh: T[]; documents: Map<string, D> }> => {
  if (events.length === 0) return { fresh: [], documents: new Map() };
  const highest = new Map<string, number>();
  for (const { streamId, streamVersion } of events)
    highest.set(streamId, Math.max(streamVersion, highest.get(streamId) ?? 0));
  // All parts of one statement see the same snapshot: `previous` reads the checkpoints as they
  // were before `claimed` moves them forward.
  const { rows } = await sql.query<{
    kind: 'checkpoint' | 'document';
    id: string;
    stream_version: number | null;
    data: D | null;
  }>(
    `WITH incoming AS (
       SELECT * FROM unnest($2::text[], $3::int[]) AS i(stream_id, stream_version)
     ), previous AS (
       SELECT c.stream_id, c.stream_version FROM stream_checkpoints c
       JOIN incoming i ON i.stream_id = c.stream_id WHERE c.consumer = $1
     ), claimed AS (
       INSERT INTO stream_checkpoints (consumer, stream_id, stream_version, updated_at)
       SELECT $1, stream_id, stream_version, now() FROM incoming
       ON CONFLICT (consumer, stream_id) DO UPDATE
         SET stream_version = EXCLUDED.stream_version, updated_at = now()
         WHERE stream_checkpoints.stream_version < EXCLUDED.stream_version
     )
     SELECT 'checkpoint' AS kind, stream_id AS id, stream_version, NULL::jsonb AS data FROM previous
     UNION ALL
     SELECT 'document', id, NULL, data FROM documents WHERE collection = $4 AND id = ANY($5::text[])`,
    [consumer, [...highest.keys()], [...highest.values()], read.collection, read.ids],
  );
  // Walk the batch in order: a version at or below what is applied (before or earlier in this
  // very batch, e.g. a redelivery of the same message) is skipped.
  const applied = new Map(rows.filter((r) => r.kind === 'checkpoint').map((r) => [r.id, r.stream_version!]));
  const fresh = events.filter((e) => {
    if (e.streamVersion <= (applied.get(e.streamId) ?? 0)) return false;
    applied.set(e.streamId, e.streamVersion);
    return true;
  });
  const documents = new Map(rows.filter((r) => r.kind === 'document').map((r) => [r.id, r.data as D]));
  return { fresh, documents };
};

/** One event's claim: false when that version (or a later one) was already applied. */
export const claimStreamVersion = async (
  sql: SqlClient,
  consumer: string,
  streamId: string,
  streamVersion: number,
): Promise<boolean> => (await claimStreamVersions(sql, consumer, [{ streamId, streamVersion }])).length > 0;
