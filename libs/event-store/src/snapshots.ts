import { type PrismaClient, sqlOf } from './prisma-client';

/**
 * How an aggregate's state is snapshotted (see CommandHandler). A snapshot is a cache of a
 * fold, never a source of truth: one that is missing, of another version or does not parse is
 * ignored and the stream is folded from its start.
 */
export interface SnapshotPolicy<State> {
  /**
   * The snapshot schema version. Bump it whenever `evolve` or the state's shape changes: snapshots
   * written by other code are then ignored (a fold of the new code is what a snapshot must equal).
   */
  version: number;
  /** Checks a stored snapshot and returns it as the state; throws for one that does not fit. Default: as stored. */
  parse?: (stored: unknown) => State;
}

export interface StoredSnapshot {
  /** The stream version the state is the fold of. */
  version: number;
  state: unknown;
}

/** Snapshots as node-postgres returns them. */
type SnapshotRow = { version: number; state: unknown };

/** The `snapshots` table: at most one snapshot per stream, the newest. */
export class SnapshotStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** The stream's snapshot written with this schema version, or null. */
  async read(streamId: string, schemaVersion: number): Promise<StoredSnapshot | null> {
    const { rows } = await sqlOf(this.prisma).query<SnapshotRow>(
      'SELECT version, state FROM snapshots WHERE stream_id = $1 AND schema_version = $2',
      [streamId, schemaVersion],
    );
    return rows[0] ?? null;
  }

  /**
   * Stores the fold of the stream up to `version`, unless a newer snapshot of the same schema
   * version is there already (instances writing at once keep the newest). The state must be JSON
   * exactly (see {@link jsonMismatch}).
   */
  async write(streamId: string, version: number, schemaVersion: number, state: unknown): Promise<void> {
    await sqlOf(this.prisma).query(
      `INSERT INTO snapshots (stream_id, version, schema_version, state) VALUES ($1, $2, $3, $4::json)
       ON CONFLICT (stream_id) DO UPDATE
         SET version = excluded.version, schema_version = excluded.schema_version,
             state = excluded.state, created_at = now()
         WHERE snapshots.version < excluded.version OR snapshots.schema_version <> excluded.schema_version`,
      [streamId, version, schemaVersion, JSON.stringify(state)],
    );
  }
}

const isPlainObject = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * Where `value` would not survive `JSON.parse(JSON.stringify(value))` unchanged, or null when it
 * would: Dates, Maps, Sets and other class instances, undefined (dropped from objects, null in
 * arrays), non-finite numbers and -0, bigints, functions and symbols. A state with any of them is
 * not snapshotted.
 */
export const jsonMismatch = (value: unknown, path = '$'): string | null => {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? null : `${path} is ${value}`;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const found = jsonMismatch(value[i], `${path}[${i}]`);
          if (found) return found;
        }
        return null;
      }
      if (!isPlainObject(value)) return `${path} is a ${value.constructor?.name ?? 'non-plain object'}`;
      for (const [key, child] of Object.entries(value)) {
        const found = jsonMismatch(child, `${path}.${key}`);
        if (found) return found;
      }
      return null;
    }
    default:
      return `${path} is ${typeof value}`;
  }
};
