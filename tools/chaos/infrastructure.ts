/**
 * What the fault-injection run owns besides the apps: free ports, its own Kafka broker (started,
 * stopped and started again through tools/kafka/kafka.sh with a port and state directory of its
 * own — never the shared broker), and its own databases on the PostgreSQL server.
 */
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { withPgClient } from '@identity-store/event-store';
import { createTestDatabases } from '@identity-store/testing';
import { REPO } from './apps';

const run = promisify(execFile);

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** `count` consecutive free ports in 30000–59999 (never the shared ones: 8080–8089, 18080–18089, 19092–19093). */
export const freePorts = async (count: number): Promise<number[]> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30_000 + Math.floor(Math.random() * (30_000 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return ports;
  }
  throw new Error('no free port range found');
};

/** The run's own single-node broker (tools/kafka/kafka.sh with KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_CACHE_DIR). */
export class OwnKafkaBroker {
  readonly brokers: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    port: number,
    controllerPort: number,
    /** State directory: the broker's jars are kept there between runs, its data is not. */
    readonly cacheDir = path.join(REPO, '.cache', 'chaos-kafka'),
  ) {
    this.brokers = `127.0.0.1:${port}`;
    this.env = {
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_CACHE_DIR: cacheDir,
    };
  }

  private script(command: 'start' | 'stop') {
    return run('bash', [path.join(REPO, 'tools/kafka/kafka.sh'), command], {
      env: this.env,
      maxBuffer: 16 * 1024 * 1024,
    });
  }

  /** A fresh broker: a broker of an interrupted earlier run (its pid file is in this state directory) is stopped, old data removed. */
  async startFresh(): Promise<void> {
    await this.script('stop');
    rmSync(path.join(this.cacheDir, 'data'), { recursive: true, force: true });
    await this.start();
  }

  async start(): Promise<void> {
    const { stdout } = await this.script('start');
    if (!stdout.includes(`KAFKA_BROKERS=${this.brokers}`))
      throw new Error(`kafka.sh start did not report ${this.brokers}: ${stdout}`);
  }

  /** Controlled shutdown (SIGTERM, SIGKILL after 30 s): what stopping a broker does. */
  async stop(): Promise<void> {
    await this.script('stop');
  }

  /** The same, synchronously: when the runner itself is interrupted. */
  stopNow(): void {
    execFileSync('bash', [path.join(REPO, 'tools/kafka/kafka.sh'), 'stop'], {
      env: this.env,
      stdio: 'ignore',
    });
  }
}

const withDatabaseUrl = (server: string, database: string) => {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
};

/** The run's databases `<prefix>_<app>`, migrated copies of the test template. */
export const createRunDatabases = async (prefix: string, apps: string[]) => {
  const databases = await createTestDatabases(prefix, apps);
  return {
    server: databases.server,
    urlOf: (app: string) => withDatabaseUrl(databases.server, `${prefix}_${app}`),
    drop: databases.drop,
    /**
     * Fault (c): terminates every connection to this run's databases (and nobody else's), as an
     * administrator, a failover or a proxy restart would. Returns how many were terminated.
     */
    terminateConnections: () =>
      withPgClient(withDatabaseUrl(databases.server, 'postgres'), async (client) => {
        const { rows } = await client.query<{ terminated: boolean }>(
          `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
            WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()`,
          [apps.map((app) => `${prefix}_${app}`)],
        );
        return rows.filter((row) => row.terminated).length;
      }),
    /** Runs `work` with a client on one of the run's databases. */
    withClient: <T>(app: string, work: Parameters<typeof withPgClient<T>>[1]) =>
      withPgClient(withDatabaseUrl(databases.server, `${prefix}_${app}`), work),
  };
};

export type RunDatabases = Awaited<ReturnType<typeof createRunDatabases>>;
