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
): Promise<T[]> => {
  if (events.length === 0) return [];
  const highest = new Map<string, number>();
  for (const { streamId, streamVersion } of events)
    highest.set(streamId, Math.max(streamVersion, highest.get(streamId) ?? 0));
  // All parts of one statement see the same snapshot: `previous` reads the checkpoints as they
  // were before `claimed` moves them forward.
  const { rows: previous } = await sql.query<{ stream_id: string; stream_version: number }>(
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
     SELECT stream_id, stream_version FROM previous`,
    [consumer, [...highest.keys()], [...highest.values()]],
  );
  // Walk the batch in order: a version at or below what is applied (before or earlier in this
  // very batch, e.g. a redelivery of the same message) is skipped.
  const applied = new Map(previous.map((row) => [row.stream_id, row.stream_version]));
  return events.filter((e) => {
    if (e.streamVersion <= (applied.get(e.streamId) ?? 0)) return false;
    applied.set(e.streamId, e.streamVersion);
    return true;
  });
};

/** One event's claim: false when that version (or a later one) was already applied. */
export const claimStreamVersion = async (
  sql: SqlClient,
  consumer: string,
  streamId: string,
  streamVersion: number,
): Promise<boolean> => (await claimStreamVersions(sql, consumer, [{ streamId, streamVersion }])).length > 0;
