import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { createLogger } from '@identity-store/http-kit';
import { createTestDatabases, uniqueName } from '@identity-store/testing';
import { startSystem, SYSTEM_SERVICES } from './system';

/**
 * `npm start` as a new user runs it: the embedded default as its own process, with its own
 * PostgreSQL, from a data directory under a 0700 home (root's, on a fresh machine), then stopped
 * with SIGTERM.
 */
const root = path.resolve(__dirname, '../../..');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('npm start (the embedded default process)', () => {
  let child: ChildProcess | undefined;
  const cleanup: string[] = [];
  afterAll(() => {
    child?.kill('SIGKILL');
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  it('starts from a data directory under a 0700 home, never prints the admin key, serves the API, and stops cleanly on SIGTERM', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'is-home-'));
    cleanup.push(home);
    chmodSync(home, 0o700);
    const dataDir = path.join(home, 'identity-store', '.data');
    const [port, pgPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), IDENTITY_STORE_DATA: dataDir, LOG_LEVEL: 'warn' };
    // What `npm test` exports for the other suites must not leak into the embedded default.
    for (const name of ['DATABASE_URL', 'KAFKA_BROKERS', 'ADMIN_API_KEY', 'SECRETS_KEY']) delete env[name];

    const started = spawn(process.execPath, ['--import', 'tsx', 'apps/embedded/src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    started.stdout!.on('data', (chunk) => (output += chunk));
    started.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      started.stdout!.on('data', () => output.includes('identity-store is running at') && resolve());
      void exited.then((code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
    });

    const installationFile = path.join(dataDir, 'installation.json');
    const { adminApiKey } = JSON.parse(readFileSync(installationFile, 'utf8')) as { adminApiKey: string };
    expect(output).not.toContain(adminApiKey);
    expect(output).toContain(installationFile);
    expect(statSync(installationFile).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o077 & ~0o011).toBe(0); // nobody else may list or read it
    const pgLocation = path.join(dataDir, 'pg-location');
    if (existsSync(pgLocation)) cleanup.push(path.dirname(readFileSync(pgLocation, 'utf8').trim()));
    if (userInfo().uid === 0) expect(existsSync(pgLocation)).toBe(true); // the postgres user cannot reach a 0700 home

    const issued = await fetch(`http://127.0.0.1:${port}/api/arthr/apiKeys/issue`, { method: 'POST', headers: { 'x-api-key': adminApiKey } });
    expect(issued.status).toBe(200);
    const { token } = (await issued.json()) as { token: string };
    const stores = await fetch(`http://127.0.0.1:${port}/api/identity-store/stores`, { headers: { authorization: `Bearer ${token}` } });
    expect(stores.status).toBe(200);

    started.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await answers(port)).toBe(false);
    expect(await answers(pgPort)).toBe(false); // its PostgreSQL stopped with it
  });
});

describe('stopping the system', () => {
  it('lets a request in flight finish instead of cutting its connection', async () => {
    const prefix = uniqueName('shutdown');
    const databases = await createTestDatabases(prefix, [...SYSTEM_SERVICES]);
    const adminApiKey = `isk_admin_${'a'.repeat(43)}`;
    const system = await startSystem({
      postgresUrl: databases.server,
      databasePrefix: prefix,
      transport: { kind: 'in-process' },
      secretsKey: 'b'.repeat(64),
      adminApiKey,
      logger: createLogger('shutdown', 'silent'),
    });
    try {
      let closing: Promise<void> | undefined;
      // The moment the request has arrived (and before it is answered), the system is told to stop.
      system.server.once('request', () => {
        closing = system.close({ graceMs: 10_000 });
      });
      const response = await fetch(`${system.url}/api/arthr/apiKeys/issue`, { method: 'POST', headers: { 'x-api-key': adminApiKey } });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { token?: string }).token).toEqual(expect.any(String));
      await closing;
    } finally {
      await databases.drop();
    }
  });
});
