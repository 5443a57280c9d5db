import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

const libRoot = path.resolve(__dirname, '..');
const migrationsDir = path.join(libRoot, 'prisma', 'migrations');
const prismaCli = require.resolve('prisma/build/index.js');

const migrationNames = () =>
  readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

/** Runs `work` on a short-lived connection to `url`. */
export const withPgClient = async <T>(url: string, work: (client: Client) => Promise<T>): Promise<T> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/** Creates the database named in `databaseUrl` if it does not exist (connecting to `postgres`). */
export const ensureDatabase = async (databaseUrl: string): Promise<void> => {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  await withPgClient(url.toString(), async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } catch (error) {
      // Another process created it in between.
      if ((error as { code?: string }).code !== '42P04') throw error;
    }
  });
};

const pendingMigrations = (databaseUrl: string) =>
  withPgClient(databaseUrl, async (client) => {
    const table = await client.query("SELECT to_regclass('_prisma_migrations') AS t");
    const applied = new Set<string>();
    if (table.rows[0]?.t) {
      const rows = await client.query(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      for (const row of rows.rows) applied.add(row.migration_name as string);
    }
    return migrationNames().filter((name) => !applied.has(name));
  });

/**
 * Brings a service database to the latest event-store schema with `prisma migrate deploy` (WASM
 * schema engine through the driver adapter, offline). Skips the CLI when nothing is pending.
 */
export const migrateDatabase = async (databaseUrl: string): Promise<void> => {
  await ensureDatabase(databaseUrl);
  if ((await pendingMigrations(databaseUrl)).length === 0) return;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [prismaCli, 'migrate', 'deploy', '--config', path.join(libRoot, 'prisma.config.ts')],
      {
        cwd: libRoot,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          MIGRATE_DATABASE_URL: databaseUrl,
          CHECKPOINT_DISABLE: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let succeeded = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // The CLI's WASM schema engine keeps a 10 s timer alive after finishing; once it has said
      // the migrations are applied there is nothing left to wait for.
      if (!succeeded && /successfully applied|No pending migrations/.test(output)) {
        succeeded = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) =>
      succeeded || code === 0
        ? resolve()
        : reject(new Error(`prisma migrate deploy failed (${code}):\n${output}`)),
    );
  });
};
