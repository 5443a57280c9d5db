import { createTestDatabase } from '@identity-store/testing';
import type { PoolClient } from 'pg';
import { createPrismaClient, inSqlTransaction } from './index';

describe('inSqlTransaction when the server terminates its connection (real PostgreSQL)', () => {
  it('fails that transaction only: the process survives and the pool serves the next one', async () => {
    const db = await createTestDatabase('sql_tx_terminated');
    const prisma = createPrismaClient(db.url, { poolSize: 2 });
    try {
      const transaction = inSqlTransaction(prisma, async (sql) => {
        const { rows } = await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // While the transaction waits on something else (the outbox relay publishing to Kafka, the
        // projector folding a batch), an administrator or a failover ends its connection. The
        // connection reports it as an 'error' event while no query runs.
        const closed = new Promise((resolve) => (sql as PoolClient).once('end', resolve));
        await db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await closed;
        return sql.query('SELECT 1');
      });
      await expect(transaction).rejects.toThrow();
      const next = await inSqlTransaction(prisma, (sql) => sql.query<{ one: number }>('SELECT 1 AS one'));
      expect(next.rows).toEqual([{ one: 1 }]);
    } finally {
      await prisma.$disconnect();
      await db.drop();
    }
  });
});
