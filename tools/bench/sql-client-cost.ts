/**
 * CPU and wall time of one primary-key read through Prisma (model query and $queryRaw) and through
 * node-postgres directly — the measurement behind the event store's plain-SQL hot paths
 * (docs/benchmarks.md). `npx tsx tools/bench/sql-client-cost.ts` with DATABASE_URL set.
 */
import pg from 'pg';
import { createPrismaClient } from '../../libs/event-store/src/prisma-client';

const STATEMENTS = 3000;
const CONCURRENCY = 8;

const main = async () => {
  const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const templateUrl = new URL(url);
  templateUrl.pathname = '/identity_store_test_template'; // has the event-store schema (npm test makes it)
  const prisma = createPrismaClient(templateUrl.toString());
  const pool = new pg.Pool({ connectionString: templateUrl.toString(), max: CONCURRENCY });
  const variants: Array<[string, () => Promise<unknown>]> = [
    [
      'Prisma model query (findUnique)',
      () => prisma.document.findUnique({ where: { collection_id: { collection: 'x', id: 'y' } } }),
    ],
    [
      'Prisma $queryRaw',
      () => prisma.$queryRaw`SELECT data FROM documents WHERE collection = ${'x'} AND id = ${'y'}`,
    ],
    [
      'node-postgres',
      () => pool.query('SELECT data FROM documents WHERE collection = $1 AND id = $2', ['x', 'y']),
    ],
  ];
  process.stdout.write('| client | wall ms / statement | client CPU µs / statement |\n|---|---:|---:|\n');
  for (const [name, statement] of variants) {
    for (let i = 0; i < 300; i++) await statement(); // warm-up
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = 0; i < STATEMENTS / CONCURRENCY; i++) await statement();
      }),
    );
    const used = process.cpuUsage(cpu);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6 / STATEMENTS;
    process.stdout.write(
      `| ${name} | ${wallMs.toFixed(3)} | ${((used.user + used.system) / STATEMENTS).toFixed(0)} |\n`,
    );
  }
  await prisma.$disconnect();
  await pool.end();
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
