// A throwaway PostgreSQL for tests on machines without one: `tsx embedded-postgres.ts <dir> <port>`.
// The same server start as the embedded default (apps/embedded/src/postgres-server.ts): it works
// for root too, also in a checkout under a 0700 home directory.
import { startPostgresServer } from '../../apps/embedded/src/postgres-server';

const [dir = '.cache/test-pg', port = '54330'] = process.argv.slice(2);

const main = async () => {
  const server = await startPostgresServer({
    dataDir: dir,
    port: Number(port),
    password: 'postgres',
    log: (message) => process.stderr.write(`embedded-postgres: ${message}\n`),
  });
  const stop = () => server.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
};
main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
