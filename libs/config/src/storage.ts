import { isoDurationToMilliseconds } from '@identity-store/contracts';
import { z } from 'zod';

/** An ISO-8601 duration of fixed length (no years or months) between two bounds, in milliseconds. */
const boundedDuration = (minMs: number, maxMs: number, bounds: string) =>
  z.string().refine((value) => {
    try {
      const ms = isoDurationToMilliseconds(value);
      return ms >= minMs && ms <= maxMs;
    } catch {
      return false;
    }
  }, `must be an ISO-8601 duration without years or months, ${bounds}`);

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * What bounds the storage (README "Configuration"): how often expired ceremony sessions are swept
 * (and how many keys one query takes), and how long published outbox rows are kept in Kafka mode.
 */
export const storageEnv = z.object({
  SESSION_SWEEP_INTERVAL: boundedDuration(1_000, 60 * MINUTE, 'PT1S to PT1H').default('PT1M'),
  SESSION_SWEEP_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  OUTBOX_RETENTION: boundedDuration(MINUTE, 3650 * DAY, 'PT1M to P3650D').default('P7D'),
});

export interface StorageSettings {
  sessionSweep: { intervalMs: number; batchSize: number };
  /** How long published outbox rows are kept where the outbox is not the replay log (Kafka mode). */
  outboxRetentionMs: number;
}

/** The storage settings of a parsed configuration (defaults: `storageSettings()`). */
export const storageSettings = (config: Partial<z.output<typeof storageEnv>> = {}): StorageSettings => {
  const { SESSION_SWEEP_INTERVAL, SESSION_SWEEP_BATCH_SIZE, OUTBOX_RETENTION } = storageEnv.parse(config);
  return {
    sessionSweep: {
      intervalMs: isoDurationToMilliseconds(SESSION_SWEEP_INTERVAL),
      batchSize: SESSION_SWEEP_BATCH_SIZE,
    },
    outboxRetentionMs: isoDurationToMilliseconds(OUTBOX_RETENTION),
  };
};
