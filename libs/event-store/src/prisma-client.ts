import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client';

export type { PrismaClient } from './generated/prisma/client';
export { Prisma } from './generated/prisma/client';

/** A transaction-scoped client, as handed to callbacks of `prisma.$transaction`. */
export type PrismaTx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** A node-postgres pool or one of its checked-out connections (inside a transaction). */
export type SqlClient = Pick<pg.Pool, 'query'>;

export interface PrismaClientOptions {
  /** Connection pool size of this client (default 20). */
  poolSize?: number;
}

const pools = new WeakMap<PrismaClient, pg.Pool>();

/**
 * A Prisma client on the Rust-free query compiler, talking to PostgreSQL through a node-postgres
 * pool. The same pool serves the few hot-path statements written as plain SQL (see `sqlOf`).
 */
export const createPrismaClient = (databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 20 });
  // An idle connection closed by the server (restart, admin termination) is dropped from the pool
  // and replaced on next use; without a listener its 'error' event would crash the process.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(prisma, pool);
  return prisma;
};

/**
 * The pool under a client made by `createPrismaClient`. Hot paths (append, stream reads, read-model
 * batches, lookups by id) use it directly: measured on this project's machine, a Prisma statement
 * costs about 5× the CPU of the same statement on node-postgres (docs/benchmarks.md).
 */
export const sqlOf = (prisma: PrismaClient): pg.Pool => {
  const pool = pools.get(prisma);
  if (!pool) throw new Error('this PrismaClient was not made by createPrismaClient');
  return pool;
};

/** Runs `work` in one database transaction on a connection of the client's pool. */
export const inSqlTransaction = async <T>(
  prisma: PrismaClient,
  work: (sql: SqlClient) => Promise<T>,
): Promise<T> => {
  const connection = await sqlOf(prisma).connect();
  // A checked-out connection that the server closes while no query runs on it (an administrator's
  // pg_terminate_backend, a failover) reports it as an 'error' event, which would crash the process
  // without a listener; the next query then fails and so does this transaction, and the broken
  // connection is dropped from the pool on release.
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  connection.on('error', onError);
  try {
    await connection.query('BEGIN');
    const result = await work(connection);
    await connection.query('COMMIT');
    return result;
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    connection.off('error', onError);
    connection.release(broken);
  }
};
