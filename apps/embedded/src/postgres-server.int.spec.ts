import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { packagedPostgres, startPostgresServer } from './postgres-server';

/** A free TCP port on 127.0.0.1. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const selectOne = async (url: string) => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one;
  } finally {
    await client.end();
  }
};

describe('the embedded default PostgreSQL server', () => {
  const cleanup: string[] = [];
  afterAll(() => {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  it('initialises a cluster once, answers on 127.0.0.1 with the password, restarts on the same data, and stops', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'is-pg-'));
    cleanup.push(base);
    chmodSync(base, 0o755);
    const port = await freePort();
    const options = { dataDir: path.join(base, 'data', 'pg'), port, password: 's3cret', runtimeRoot: path.join(base, 'runtime') };

    const first = await startPostgresServer(options);
    expect(first.dataDir).toBe(options.dataDir); // reachable by whoever runs the server: kept in place
    expect(await selectOne(first.url)).toBe(1);
    await expect(selectOne(first.url.replace('s3cret', 'wrong'))).rejects.toThrow(/password/);
    await first.stop();
    await expect(selectOne(first.url)).rejects.toThrow();

    const again = await startPostgresServer(options);
    expect(again.dataDir).toBe(first.dataDir);
    expect(await selectOne(again.url)).toBe(1);
    await again.stop();
  });

  // CI and `npm start` on a fresh machine run as root: PostgreSQL then runs as the postgres user,
  // which cannot reach a checkout under root's 0700 home (neither the binaries nor the data).
  it('works from a checkout under a 0700 home directory (run by root: binaries and data placed where the postgres user reaches them)', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'is-home-'));
    cleanup.push(home);
    chmodSync(home, 0o700);
    const runtimeRoot = mkdtempSync(path.join(tmpdir(), 'is-runtime-'));
    cleanup.push(runtimeRoot);
    chmodSync(runtimeRoot, 0o755);
    // The package's binaries as a clone under that home has them.
    const nativeDir = path.join(home, 'clone', 'node_modules', 'pg-native-copy', 'native');
    cpSync(packagedPostgres().nativeDir, nativeDir, { recursive: true, verbatimSymlinks: true });
    const dataDir = path.join(home, 'clone', '.data', 'pg');

    const server = await startPostgresServer({ dataDir, port: await freePort(), password: 'pw', nativeDir, runtimeRoot });
    try {
      expect(await selectOne(server.url)).toBe(1);
      expect(statSync(server.dataDir).mode & 0o777).toBe(0o700);
      if (userInfo().uid === 0) {
        expect(server.dataDir.startsWith(runtimeRoot)).toBe(true);
        expect(readFileSync(path.join(home, 'clone', '.data', 'pg-location'), 'utf8').trim()).toBe(server.dataDir);
        expect(existsSync(path.join(runtimeRoot, `postgres-${packagedPostgres().version}`, 'native', 'bin', 'postgres'))).toBe(true);
      } else {
        // Any other user runs PostgreSQL as itself: the data stays where it was asked for.
        expect(server.dataDir).toBe(dataDir);
      }
    } finally {
      await server.stop();
    }
  });
});
