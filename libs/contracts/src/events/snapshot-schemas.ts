import { z } from 'zod';

/**
 * Building blocks of aggregate state schemas, which check a stored snapshot before a load uses it
 * (see the event store's SnapshotPolicy): a snapshot that does not fit is ignored.
 */

/** A record of entities keyed by their own `id`, as aggregate states hold them. */
export const recordById = <T extends { id: string }>(entity: z.ZodType<T>) =>
  z
    .record(z.string(), entity)
    .refine((record) => Object.entries(record).every(([key, value]) => value.id === key), 'not keyed by id');

/** An ISO-8601 timestamp as states hold them (`Date.prototype.toISOString()`). */
export const stateTimestamp = z.iso.datetime();
