import type { PrismaTx } from './prisma-client';

/**
 * Records, inside the caller's transaction, that `consumer` applied `streamVersion` of `streamId`.
 * Returns false when that version (or a later one) was already applied: the caller must then skip
 * the event. Because the row is written in the same transaction as the read-model change, a
 * redelivered or replayed event is never applied twice, whatever the transport did.
 */
export const claimStreamVersion = async (
  tx: PrismaTx,
  consumer: string,
  streamId: string,
  streamVersion: number,
): Promise<boolean> => {
  const applied = await tx.$queryRaw<unknown[]>`
    INSERT INTO stream_checkpoints (consumer, stream_id, stream_version, updated_at)
    VALUES (${consumer}, ${streamId}, ${streamVersion}, now())
    ON CONFLICT (consumer, stream_id) DO UPDATE
      SET stream_version = EXCLUDED.stream_version, updated_at = now()
      WHERE stream_checkpoints.stream_version < EXCLUDED.stream_version
    RETURNING 1`;
  return applied.length > 0;
};
