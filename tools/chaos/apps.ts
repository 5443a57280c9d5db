/**
 * The distributed layout of the fault-injection run: every app its own Node process (as
 * tools/scripts/distributed.sh starts them), on ports and databases of this run, so that a
 * `kill -9` hits exactly one service. `appEnvironment` is the one place that knows what each app
 * reads from its environment.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');

export type AppName = 'identity' | 'totp' | 'passcode' | 'passkey' | 'audit' | 'gateway';
export type ServiceName = Exclude<AppName, 'gateway'>;
export const SERVICES: ServiceName[] = ['identity', 'totp', 'passcode', 'passkey', 'audit'];
/** Every app with a database of its own (the gateway keeps its API keys). */
export const DATABASE_APPS: AppName[] = [...SERVICES, 'gateway'];

/** One process of the layout: e.g. `totp` and, during fault (d), `totp-2` of the same app. */
export interface Instance {
  name: string;
  app: AppName;
  port: number;
  /** A gateway's routes: the instance that serves each service (default: the service's first instance). */
  routes?: Partial<Record<ServiceName, string>>;
}

/** What the instances share: where the databases and the broker are, and the run's secrets. */
export interface Layout {
  /** The database of an app (one per app; instances of one app share it). */
  databaseUrl(app: AppName): string;
  kafkaBrokers: string;
  adminApiKey: string;
  secretsKey: string;
  jwtSecret: string;
  /** Ed25519 key pair of the gateway's grants to the services (base64 DER: PKCS#8 private, SPKI public). */
  grantSigningKey: string;
  grantVerifyKey: string;
  /** HMAC key of the tokens the services send each other on /internal/* (the same in every service). */
  internalTokenKey: string;
  /** Kafka consumer group of the audit projector (unique per run). */
  auditConsumerGroup: string;
  /** Base URL of an instance by name. */
  urlOf(instanceName: string): string;
  logLevel: string;
}

/** Variables of the runner's own environment a Node process needs; nothing the apps configure themselves from. */
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'NODE_EXTRA_CA_CERTS'];

/**
 * The environment of one app process. Built from nothing but the layout (the runner's own
 * DATABASE_URL and KAFKA_BROKERS, which name the shared broker, never leak in).
 */
export const appEnvironment = (layout: Layout, instance: Instance): Record<string, string> => {
  const base: Record<string, string> = {
    ...Object.fromEntries(
      PASSED_THROUGH.flatMap((key) => (process.env[key] ? [[key, process.env[key]!]] : [])),
    ),
    LOG_LEVEL: layout.logLevel,
    PORT: String(instance.port),
    HOST: '127.0.0.1',
    DATABASE_URL: layout.databaseUrl(instance.app),
    KAFKA_BROKERS: layout.kafkaBrokers,
  };
  // What a service trusts: the gateway's grants (its public key only) and the other services' tokens.
  const service = {
    ...base,
    GATEWAY_VERIFY_KEY: layout.grantVerifyKey,
    INTERNAL_TOKEN_KEY: layout.internalTokenKey,
  };
  const url = (service: ServiceName) => layout.urlOf(instance.routes?.[service] ?? service);
  switch (instance.app) {
    case 'identity':
      // Push notification policies' private keys are encrypted at rest.
      return { ...service, SECRETS_KEY: layout.secretsKey, AUDIT_URL: url('audit') };
    case 'totp':
    case 'passcode':
      return {
        ...service,
        SECRETS_KEY: layout.secretsKey,
        IDENTITY_URL: url('identity'),
        AUDIT_URL: url('audit'),
      };
    case 'passkey':
      return { ...service, IDENTITY_URL: url('identity'), AUDIT_URL: url('audit') };
    case 'audit':
      return {
        ...service,
        IDENTITY_URL: url('identity'),
        AUDIT_CONSUMER_GROUP: layout.auditConsumerGroup,
        AUDIT_FROM_BEGINNING: 'true',
      };
    case 'gateway':
      return {
        ...base,
        // The gateway signs tokens and grants with keys of its own, never SECRETS_KEY.
        ADMIN_API_KEY: layout.adminApiKey,
        JWT_SECRET: layout.jwtSecret,
        GATEWAY_SIGNING_KEY: layout.grantSigningKey,
        // Longer than the run: the load clients keep one token.
        TOKEN_TTL_SECONDS: '3600',
        IDENTITY_URL: url('identity'),
        TOTP_URL: url('totp'),
        PASSCODE_URL: url('passcode'),
        PASSKEY_URL: url('passkey'),
        AUDIT_URL: url('audit'),
      };
  }
};

export interface ExitRecord {
  instance: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: Date;
}

/**
 * One app process: `node --import tsx apps/<app>/src/main.ts`, a single process (no npx or shell
 * in between), so a signal reaches the service itself. Its output is appended to a log file.
 */
export class AppProcess {
  private child?: ChildProcess;
  private expectingExit = false;
  private exited?: Promise<void>;

  constructor(
    readonly instance: Instance,
    private readonly layout: Layout,
    private readonly logFile: string,
    /** Called when the process exits without the runner having stopped or killed it. */
    private readonly onUnexpectedExit: (exit: ExitRecord) => void,
  ) {}

  get url(): string {
    return this.layout.urlOf(this.instance.name);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.child) throw new Error(`${this.instance.name} is already running`);
    const log = openSync(this.logFile, 'a');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO, 'apps', this.instance.app, 'src', 'main.ts')],
      { cwd: REPO, env: appEnvironment(this.layout, this.instance), stdio: ['ignore', log, log] },
    );
    closeSync(log);
    this.child = child;
    this.expectingExit = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (!this.expectingExit)
          this.onUnexpectedExit({ instance: this.instance.name, code, signal, at: new Date() });
        resolve();
      }),
    );
  }

  /** Until `/readyz` answers 200 (its database and, for the gateway, every service it routes to). */
  async waitReady(timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`${this.instance.name} exited during startup; see ${this.logFile}`);
      try {
        const response = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`${this.instance.name} not ready after ${timeoutMs / 1000} s; see ${this.logFile}`);
  }

  /** `kill -9`: the process gets no chance to finish anything. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Graceful stop (SIGTERM), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.child) return;
    const exited = this.exited;
    this.expectingExit = true;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.child) return;
    const exited = this.exited;
    this.expectingExit = true;
    this.child.kill(signal);
    await exited;
  }

  /** Synchronous last resort when the runner itself exits. */
  killNow(): void {
    this.expectingExit = true;
    this.child?.kill('SIGKILL');
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
