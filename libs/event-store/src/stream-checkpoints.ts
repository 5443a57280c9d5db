import { type DocumentRef, documentKey, readDocumentsSql } from './documents';
import type { SqlClient } from './prisma-client';

export interface StreamVersionRef {
  streamId: string;
  streamVersion: number;
}

/**
 * What a consumer knows about some streams, read in its projection transaction: the last version
 * applied per stream (streams without a checkpoint are absent), the events parked behind a gap,
 * and the read-model documents the batch will change.
 */
export interface StreamState<T, D> {
  applied: Map<string, number>;
  /** Parked events of the streams read, in stream and version order, with when they were parked. */
  parked: Array<{ event: T; parkedAt: Date }>;
  /** Documents by `documentKey(collection, id)`. */
  documents: Map<string, D>;
}

/** One statement: the checkpoints and parked events of `streamIds`, and the documents asked for. */
export const readStreamState = async <T, D>(
  sql: SqlClient,
  consumer: string,
  streamIds: string[],
  documents: DocumentRef[] = [],
): Promise<StreamState<T, D>> => {
  const { rows } = await sql.query<{
    kind: 'checkpoint' | 'parked' | 'document';
    collection: string | null;
    id: string;
    version: number | null;
    data: unknown;
    at: Date | null;
  }>(
    `SELECT 'checkpoint' AS kind, NULL AS collection, stream_id AS id, stream_version AS version, NULL::jsonb AS data, NULL::timestamptz AS at
       FROM stream_checkpoints WHERE consumer = $1 AND stream_id = ANY($2::text[])
     UNION ALL
     SELECT 'parked', NULL, stream_id, stream_version, event, parked_at
       FROM parked_events WHERE consumer = $1 AND stream_id = ANY($2::text[])
     UNION ALL
     SELECT 'document', collection, id, NULL, data, NULL FROM (${readDocumentsSql(3)}) d`,
    [consumer, streamIds, documents.map((d) => d.collection), documents.map((d) => d.id)],
  );
  const state: StreamState<T, D> = { applied: new Map(), parked: [], documents: new Map() };
  for (const row of rows) {
    if (row.kind === 'checkpoint') state.applied.set(row.id, row.version!);
    else if (row.kind === 'parked') state.parked.push({ event: row.data as T, parkedAt: row.at! });
    else state.documents.set(documentKey(row.collection!, row.id), row.data as D);
  }
  const position = (e: { event: T }) => e.event as unknown as StreamVersionRef;
  state.parked.sort((a, b) =>
    position(a).streamId === position(b).streamId
      ? position(a).streamVersion - position(b).streamVersion
      : position(a).streamId < position(b).streamId
        ? -1
        : 1,
  );
  return state;
};

/** What `sequenceStreamEvents` decided for a batch. */
export interface SequencedBatch<T> {
  /** Applied, in the order they were applied (stream order kept; batch order otherwise). */
  applied: T[];
  /** At or below the stream's applied version (redelivered, replayed, or parked twice). */
  duplicates: T[];
  /** Refused by `apply` when their turn came: not applied, the stream stays before them. */
  rejected: T[];
  /** Newly parked: a version after a gap. */
  parked: T[];
  /** Per stream whose checkpoint moves: the version before (undefined: no checkpoint yet) and after. */
  advanced: Array<{ streamId: string; from: number | undefined; to: number }>;
  /** Parked events to remove: applied, rejected, or at/below the checkpoint. */
  unparked: StreamVersionRef[];
}

export interface SequenceOptions {
  /**
   * For a consumer that started at the end of the topics rather than their beginning: a stream
   * without a checkpoint starts at the lowest version seen (its earlier versions were never going
   * to come). Otherwise a stream starts at version 1 and anything after a gap is parked.
   */
  adoptUnknownStreams?: boolean;
}

/**
 * Orders a batch per stream (pure): a version at or below the applied one is a duplicate; the next
 * one is offered to `apply` (false: rejected, e.g. dead-lettered; the stream stays where it was);
 * a later one is parked until the versions before it arrive; parked events whose turn comes are
 * applied right after the event that fills their gap. Nothing is ever dropped.
 */
export const sequenceStreamEvents = <T extends StreamVersionRef>(
  incoming: T[],
  state: { applied: Map<string, number>; parked: T[] },
  apply: (event: T) => boolean,
  options: SequenceOptions = {},
): SequencedBatch<T> => {
  const result: SequencedBatch<T> = { applied: [], duplicates: [], rejected: [], parked: [], advanced: [], unparked: [] };
  const version = new Map(state.applied);
  const moved = new Set<string>();
  /** Per stream: version → the event waiting for its turn (stored: already in parked_events). */
  const waiting = new Map<string, Map<number, { event: T; stored: boolean }>>();
  const waitingOf = (streamId: string) => {
    let map = waiting.get(streamId);
    if (!map) waiting.set(streamId, (map = new Map()));
    return map;
  };
  for (const event of state.parked) {
    if (event.streamVersion <= (version.get(event.streamId) ?? 0)) result.unparked.push(ref(event));
    else waitingOf(event.streamId).set(event.streamVersion, { event, stored: true });
  }
  if (options.adoptUnknownStreams) {
    const lowest = new Map<string, number>();
    for (const { streamId, streamVersion } of [...incoming, ...state.parked])
      if (!version.has(streamId)) lowest.set(streamId, Math.min(streamVersion, lowest.get(streamId) ?? Infinity));
    for (const [streamId, first] of lowest) version.set(streamId, first - 1);
  }

  const offer = (event: T): boolean => {
    if (!apply(event)) {
      result.rejected.push(event);
      return false;
    }
    result.applied.push(event);
    version.set(event.streamId, event.streamVersion);
    moved.add(event.streamId);
    return true;
  };
  /** Applies the parked events whose gap is now filled, until the next gap or rejection. */
  const drain = (streamId: string) => {
    const parked = waiting.get(streamId);
    for (;;) {
      const next = parked?.get((version.get(streamId) ?? 0) + 1);
      if (!next) return;
      parked!.delete(next.event.streamVersion);
      if (next.stored) result.unparked.push(ref(next.event));
      if (!offer(next.event)) return;
    }
  };

  for (const event of incoming) {
    const current = version.get(event.streamId) ?? 0;
    if (event.streamVersion <= current) result.duplicates.push(event);
    else if (event.streamVersion === current + 1) {
      if (offer(event)) drain(event.streamId);
    } else if (waitingOf(event.streamId).has(event.streamVersion)) result.duplicates.push(event);
    else waitingOf(event.streamId).set(event.streamVersion, { event, stored: false });
  }

  for (const parked of waiting.values())
    for (const { event, stored } of parked.values()) if (!stored) result.parked.push(event);
  for (const streamId of moved)
    result.advanced.push({ streamId, from: state.applied.get(streamId), to: version.get(streamId)! });
  return result;
};

const ref = ({ streamId, streamVersion }: StreamVersionRef): StreamVersionRef => ({ streamId, streamVersion });

/** Another transaction moved a checkpoint this batch read: the batch must be handled again. */
export class CheckpointConflictError extends Error {
  constructor(consumer: string) {
    super(`stream checkpoints of ${consumer} moved concurrently; the batch is retried`);
    this.name = 'CheckpointConflictError';
  }
}

/**
 * Writes what `sequenceStreamEvents` decided, in the caller's transaction (one statement): moves
 * the checkpoints (only from the version read, so two instances handling the same stream at once
 * cannot both apply it: the second gets a CheckpointConflictError and its transaction must roll
 * back), parks the new gaps' events and removes the parked events that were handled.
 */
export const writeStreamState = async <T extends StreamVersionRef>(
  sql: SqlClient,
  consumer: string,
  batch: Pick<SequencedBatch<T>, 'advanced' | 'parked' | 'unparked'>,
): Promise<void> => {
  const { advanced, parked, unparked } = batch;
  if (advanced.length === 0 && parked.length === 0 && unparked.length === 0) return;
  const { rows } = await sql.query<{ moved: string }>(
    `WITH input AS (
       SELECT * FROM unnest($2::text[], $3::int[], $4::int[]) AS i(stream_id, expected, version)
     ), updated AS (
       UPDATE stream_checkpoints c SET stream_version = i.version, updated_at = now()
       FROM input i
       WHERE c.consumer = $1 AND c.stream_id = i.stream_id AND c.stream_version = i.expected
       RETURNING c.stream_id
     ), inserted AS (
       INSERT INTO stream_checkpoints (consumer, stream_id, stream_version, updated_at)
       SELECT $1, stream_id, version, now() FROM input WHERE expected IS NULL
       ON CONFLICT (consumer, stream_id) DO NOTHING
       RETURNING stream_id
     ), parked AS (
       INSERT INTO parked_events (consumer, stream_id, stream_version, event)
       SELECT $1, p.stream_id, p.stream_version, p.event
       FROM jsonb_to_recordset($5::jsonb) AS p(stream_id text, stream_version int, event jsonb)
       ON CONFLICT DO NOTHING
     ), unparked AS (
       DELETE FROM parked_events p USING unnest($6::text[], $7::int[]) AS u(stream_id, stream_version)
       WHERE p.consumer = $1 AND p.stream_id = u.stream_id AND p.stream_version = u.stream_version
     )
     SELECT (SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted) AS moved`,
    [
      consumer,
      advanced.map((a) => a.streamId),
      advanced.map((a) => a.from ?? null),
      advanced.map((a) => a.to),
      JSON.stringify(parked.map((event) => ({ stream_id: event.streamId, stream_version: event.streamVersion, event }))),
      unparked.map((u) => u.streamId),
      unparked.map((u) => u.streamVersion),
    ],
  );
  if (Number(rows[0]!.moved) !== advanced.length) throw new CheckpointConflictError(consumer);
};

/** Parked events of a consumer: how many, and since when the oldest waits (metrics, readiness). */
export const parkedEventStats = async (
  sql: SqlClient,
  consumer: string,
): Promise<{ count: number; oldest: Date | null }> => {
  const { rows } = await sql.query<{ count: string; oldest: Date | null }>(
    'SELECT count(*) AS count, min(parked_at) AS oldest FROM parked_events WHERE consumer = $1',
    [consumer],
  );
  return { count: Number(rows[0]!.count), oldest: rows[0]!.oldest };
};
