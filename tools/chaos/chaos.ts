/**
 * `npm run chaos` (and the last step of `npm test`): the fault-injection run. The distributed layout
 * — every app its own process — on the run's own Kafka broker and its own databases, under a steady
 * write load through the gateway, while these faults happen one after another:
 *   (a) kill -9 of the totp service, then a restart;
 *   (b) the Kafka broker stopped for 10 s, then started;
 *   (c) every PostgreSQL connection to the run's databases terminated (pg_terminate_backend), 3 times;
 *   (d) a second totp instance (with its own outbox relay on the same database) behind a second gateway;
 *   (e) the audit service killed and kept down for 10 s.
 * After each fault the load stops, the pipeline drains, and verify.ts checks the streams and the
 * projection against every answer. Prints the figures; `--write-docs` also writes them to
 * docs/reliability.md. Exits 1 when an event was lost, duplicated or not projected, a request got
 * a 500 (or another 5xx the fault does not explain), or a process exited on its own.
 *
 * Environment: DATABASE_URL (the PostgreSQL server; required), CHAOS_CLIENTS (concurrent clients,
 * default 6), CHAOS_PHASES (e.g. `steady,d`: only these), CHAOS_TIMEOUT_SECONDS (bound on the whole
 * run, default 900), CHAOS_LOG_LEVEL (the apps' pino level, default warn), CHAOS_KEEP_DATABASES=1.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppProcess, DATABASE_APPS, type ExitRecord, type Instance, type Layout, REPO, sleep } from './apps';
import { createRunDatabases, freePorts, OwnKafkaBroker, type RunDatabases } from './infrastructure';
import { Ledger, Load, PASSCODE_POLICY, PASSKEY_RP, TOTP_POLICY } from './load';
import { type PhaseFigures, printFigures, tallyRequests, writeReliabilityDoc } from './report';
import { pipelineBacklog, positionsOf, readSnapshot } from './snapshot';
import { check, type EventService, EVENT_SERVICES, type Issue } from './verify';

const CLIENTS = Number(process.env.CHAOS_CLIENTS ?? 6);
const DRAIN_TIMEOUT_MS = 120_000;
const TIMEOUT_SECONDS = Number(process.env.CHAOS_TIMEOUT_SECONDS ?? 900);
const LOG_DIR = path.join(REPO, '.cache', 'chaos', 'logs');

/** What a phase's fault may legitimately cause at the gateway. */
interface Tolerance {
  /** 503 with Retry-After: a dependency is down. */
  unavailable: boolean;
  /** 502: a request in flight when the service behind the gateway was killed lost its connection. */
  connectionLost: boolean;
}

interface PhaseSpec {
  name: string;
  title: string;
  tolerance: Tolerance;
  /** Runs while the load runs; returns what was injected, and optionally work to do once the load stopped. */
  inject: () => Promise<{ faults: string; afterLoad?: () => Promise<void> }>;
}

/** A fresh Ed25519 key pair for the gateway's grants, in the one-line base64 DER form the apps read. */
const grantKeys = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    grantSigningKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    grantVerifyKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
};

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const say = (message: string) => process.stdout.write(`chaos: ${message}\n`);

class ChaosRun {
  private readonly prefix = `chaos_${randomBytes(4).toString('hex')}`;
  private readonly ledger = new Ledger();
  private readonly processes = new Map<string, AppProcess>();
  private readonly unexpectedExits: (ExitRecord & { phase: string })[] = [];
  private readonly boundaries: { phase: string; positions: Record<EventService, number> }[] = [];
  private readonly figures: PhaseFigures[] = [];
  private databases?: RunDatabases;
  private broker?: OwnKafkaBroker;
  private layout?: Layout;
  private load?: Load;
  private gatewayUrls: string[] = [];
  private ports = new Map<string, number>();

  async setUp() {
    const started = Date.now();
    rmSync(LOG_DIR, { recursive: true, force: true }); // the logs of this run only
    mkdirSync(LOG_DIR, { recursive: true });
    const names = ['gateway', 'gateway-2', 'identity', 'totp', 'totp-2', 'passcode', 'passkey', 'audit'];
    const ports = await freePorts(names.length + 2);
    names.forEach((name, i) => this.ports.set(name, ports[i + 2]!));
    this.broker = new OwnKafkaBroker(ports[0]!, ports[1]!);
    say(
      `own Kafka broker on ${this.broker.brokers}, databases ${this.prefix}_*, apps on ports ${ports[2]}–${ports.at(-1)}, logs in ${LOG_DIR}`,
    );
    const [databases] = await Promise.all([
      createRunDatabases(this.prefix, DATABASE_APPS),
      this.broker.startFresh(),
    ]);
    this.databases = databases;
    this.layout = {
      databaseUrl: (app) => databases.urlOf(app),
      kafkaBrokers: this.broker.brokers,
      adminApiKey: `isk_admin_${randomBytes(32).toString('base64url')}`,
      secretsKey: randomBytes(32).toString('hex'),
      jwtSecret: randomBytes(32).toString('base64url'),
      ...grantKeys(),
      internalTokenKey: randomBytes(32).toString('base64url'),
      auditConsumerGroup: `${this.prefix}-audit`,
      urlOf: (name) => `http://127.0.0.1:${this.ports.get(name)}`,
      logLevel: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    };
    for (const app of ['identity', 'totp', 'passcode', 'passkey', 'audit'] as const)
      this.instance({ name: app, app });
    await Promise.all([...this.processes.values()].map((p) => p.waitReady()));
    await this.instance({ name: 'gateway', app: 'gateway' }).waitReady();
    this.gatewayUrls = [this.layout.urlOf('gateway')];
    say(`distributed layout ready after ${elapsed(started)}`);

    const token = await this.setUpStore('gateway');
    this.load = new Load({ gateways: () => this.gatewayUrls, token, store: this.store, ledger: this.ledger });
  }

  private readonly store = `chaos-${randomBytes(4).toString('hex')}`;

  /** A store with a TOTP policy, a passcode policy and a passkey relying party (not part of the measured load). */
  private async setUpStore(gateway: string) {
    const url = this.layout!.urlOf(gateway);
    const issued = await fetch(`${url}/api/arthr/apiKeys/issue`, {
      method: 'POST',
      headers: { 'x-api-key': this.layout!.adminApiKey },
    });
    if (!issued.ok) throw new Error(`token issue answered ${issued.status}: ${await issued.text()}`);
    const { token } = (await issued.json()) as { token: string };
    const post = async (p: string, body: unknown) => {
      const response = await fetch(`${url}/api/identity-store/stores${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok)
        throw new Error(`setup: POST ${p} answered ${response.status}: ${await response.text()}`);
    };
    await post('', { name: this.store });
    await post(`/${this.store}/totpPolicy`, TOTP_POLICY);
    await post(`/${this.store}/passcodePolicy`, PASSCODE_POLICY);
    await post(`/${this.store}/passkeyConfig`, {
      rpId: PASSKEY_RP.rpId,
      rpName: 'Chaos',
      origins: [PASSKEY_RP.origin],
      registrationPolicies: { [PASSKEY_RP.policy]: { userVerification: 'preferred' } },
      authenticationPolicies: { [PASSKEY_RP.policy]: { userVerification: 'preferred' } },
    });
    return token;
  }

  /** Starts (the first time: creates) an app process. */
  private instance(instance: Omit<Instance, 'port'>): AppProcess {
    let process_ = this.processes.get(instance.name);
    if (!process_) {
      process_ = new AppProcess(
        { ...instance, port: this.ports.get(instance.name)! },
        this.layout!,
        path.join(LOG_DIR, `${instance.name}.log`),
        (exit) => {
          say(
            `UNEXPECTED: ${exit.instance} exited (code ${exit.code}, signal ${exit.signal}); restarting it`,
          );
          this.unexpectedExits.push({ ...exit, phase: this.ledger.phase });
          // As an orchestrator would; the exit itself is reported as a failure.
          setTimeout(() => this.tearingDown || process_!.running || process_!.start(), 1_000);
        },
      );
      this.processes.set(instance.name, process_);
    }
    process_.start();
    return process_;
  }

  private app(name: string): AppProcess {
    const found = this.processes.get(name);
    if (!found) throw new Error(`no process ${name}`);
    return found;
  }

  // ------------------------------------------------------------------------------------- faults

  private readonly phases: PhaseSpec[] = [
    {
      name: 'steady',
      title: 'no fault (control)',
      tolerance: { unavailable: false, connectionLost: false },
      inject: async () => {
        await sleep(15_000);
        return { faults: 'none' };
      },
    },
    {
      name: 'a',
      title: 'kill -9 of the totp service, then restart',
      tolerance: { unavailable: true, connectionLost: true },
      inject: async () => {
        await sleep(6_000);
        const totp = this.app('totp');
        const pid = totp.pid;
        await totp.kill();
        const killed = Date.now();
        await sleep(3_000);
        totp.start();
        await totp.waitReady();
        const down = elapsed(killed);
        await sleep(6_000);
        return {
          faults: `SIGKILL to totp (pid ${pid}) under load; restarted after 3 s, serving again ${down} after the kill`,
        };
      },
    },
    {
      name: 'b',
      title: 'Kafka broker stopped and started',
      tolerance: { unavailable: true, connectionLost: false },
      inject: async () => {
        await sleep(6_000);
        const stopping = Date.now();
        await this.broker!.stop();
        const stopped = elapsed(stopping);
        await sleep(10_000);
        await this.broker!.start();
        const down = elapsed(stopping);
        await sleep(10_000);
        return {
          faults: `broker stopped (controlled shutdown, ${stopped}), kept down 10 s, started: unavailable for ${down}`,
        };
      },
    },
    {
      name: 'c',
      title: 'PostgreSQL connections terminated (pg_terminate_backend)',
      tolerance: { unavailable: true, connectionLost: false },
      inject: async () => {
        await sleep(5_000);
        const terminated: number[] = [];
        for (let round = 0; round < 3; round++) {
          terminated.push(await this.databases!.terminateConnections());
          await sleep(3_000);
        }
        await sleep(4_000);
        return {
          faults: `3 rounds 3 s apart, ${terminated.join(' + ')} = ${terminated.reduce((a, b) => a + b, 0)} connections to the run's databases terminated`,
        };
      },
    },
    {
      name: 'd',
      title: 'two totp instances (two outbox relays on one database) behind two gateways',
      tolerance: { unavailable: false, connectionLost: false },
      inject: async () => {
        const second = this.instance({ name: 'totp-2', app: 'totp' });
        await second.waitReady();
        const gateway = this.instance({ name: 'gateway-2', app: 'gateway', routes: { totp: 'totp-2' } });
        await gateway.waitReady();
        this.gatewayUrls = [this.layout!.urlOf('gateway'), this.layout!.urlOf('gateway-2')];
        this.load!.concurrentPercent = 40;
        const both = Date.now();
        await sleep(30_000);
        return {
          faults: `totp-2 and gateway-2 (routing totp to totp-2) started under load; requests alternated between the gateways for ${elapsed(both)}, 40 % of operations four concurrent TOTP authentications of one user`,
          afterLoad: async () => {
            this.load!.concurrentPercent = 8;
            this.gatewayUrls = [this.layout!.urlOf('gateway')];
            await gateway.stop();
            await second.stop();
          },
        };
      },
    },
    {
      name: 'e',
      title: 'audit service down for 10 s',
      tolerance: { unavailable: true, connectionLost: false },
      inject: async () => {
        await sleep(5_000);
        const audit = this.app('audit');
        await audit.kill();
        const killed = Date.now();
        await sleep(10_000);
        audit.start();
        await audit.waitReady();
        const down = elapsed(killed);
        await sleep(8_000);
        return { faults: `SIGKILL to audit, restarted after 10 s, serving again ${down} after the kill` };
      },
    },
  ];

  // --------------------------------------------------------------------------------- the phases

  async runPhases(only?: string[]) {
    this.boundaries.push({ phase: 'setup', positions: positionsOf(await readSnapshot(this.databases!)) });
    for (const phase of this.phases) {
      if (only && !only.includes(phase.name)) continue;
      say(`phase ${phase.name}: ${phase.title}`);
      const started = Date.now();
      this.ledger.phase = phase.name;
      this.load!.start(CLIENTS);
      let injected: Awaited<ReturnType<PhaseSpec['inject']>>;
      try {
        injected = await phase.inject();
      } finally {
        await this.load!.stop();
      }
      await injected.afterLoad?.();
      const seconds = (Date.now() - started) / 1000;
      say(`  ${injected.faults}`);
      this.figures.push(
        await this.verify(phase.name, phase.title, injected.faults, phase.tolerance, seconds),
      );
      printFigures([this.figures.at(-1)!], say);
    }
  }

  /** Waits for the pipeline to drain (bounded), then checks everything so far; figures of the phase's own answers and events. */
  private async verify(
    phase: string,
    title: string,
    faults: string,
    tolerance: Tolerance,
    seconds: number,
  ): Promise<PhaseFigures> {
    const draining = Date.now();
    let drainedAfter: number | null = null;
    let backlog = await pipelineBacklog(this.databases!);
    while (Date.now() - draining < DRAIN_TIMEOUT_MS) {
      if (backlog.unpublished === 0 && backlog.streamsBehind === 0 && backlog.parked === 0) {
        drainedAfter = (Date.now() - draining) / 1000;
        break;
      }
      await sleep(1_000);
      backlog = await pipelineBacklog(this.databases!);
    }
    if (drainedAfter === null)
      say(
        `  not drained after ${DRAIN_TIMEOUT_MS / 1000} s: ${backlog.unpublished} outbox rows unpublished, ${backlog.streamsBehind} streams behind, ${backlog.parked} events parked`,
      );
    const snapshot = await readSnapshot(this.databases!);
    const previous = this.boundaries.at(-1)!.positions;
    this.boundaries.push({ phase, positions: positionsOf(snapshot) });
    const result = check(this.ledger.expectations, snapshot);
    const issues = result.issues.filter((issue) => this.phaseOf(issue) === phase);
    return {
      phase,
      title,
      faults,
      seconds,
      requests: tallyRequests(
        this.ledger.requests.filter((r) => r.phase === phase),
        tolerance,
      ),
      eventsAppended: EVENT_SERVICES.reduce(
        (sum, service) => sum + snapshot.events[service].filter((e) => e.position > previous[service]).length,
        0,
      ),
      acknowledged: this.ledger.expectations.filter((e) => e.phase === phase).length,
      issues,
      drainedAfter,
      unexpectedExits: this.unexpectedExits
        .filter((exit) => exit.phase === phase)
        .map((exit) => `${exit.instance} (code ${exit.code}, signal ${exit.signal})`),
      users: this.load!.userCount,
    };
  }

  /** The phase an issue belongs to: the phase of the answer, or the phase its event was appended in. */
  private phaseOf(issue: Issue): string {
    if ('phase' in issue.origin)
      return issue.origin.phase === 'final' ? this.boundaries.at(-1)!.phase : issue.origin.phase;
    const { service, position } = issue.origin;
    return (
      this.boundaries.find((b) => position <= b.positions[service])?.phase ?? this.boundaries.at(-1)!.phase
    );
  }

  /** After the last phase: every check over the whole run (all answers, all events). */
  async finalCheck(): Promise<{ issues: Issue[]; drained: boolean }> {
    const backlog = await pipelineBacklog(this.databases!);
    const snapshot = await readSnapshot(this.databases!);
    return {
      issues: check(this.ledger.expectations, snapshot).issues,
      drained: backlog.unpublished === 0 && backlog.streamsBehind === 0 && backlog.parked === 0,
    };
  }

  get results() {
    return { figures: this.figures, unexpectedExits: this.unexpectedExits };
  }

  private tearingDown = false;

  async tearDown() {
    this.tearingDown = true;
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
    await this.broker?.stop().catch((error) => say(`stopping the broker failed: ${error}`));
    if (process.env.CHAOS_KEEP_DATABASES === '1') say(`kept databases ${this.prefix}_*`);
    else await this.databases?.drop().catch((error) => say(`dropping the databases failed: ${error}`));
  }

  /** When the runner is interrupted or over time: nothing it started may outlive it (its databases are left; their names start with chaos_). */
  killNow() {
    for (const p of this.processes.values()) p.killNow();
    try {
      this.broker?.stopNow();
    } catch (error) {
      say(`stopping the broker failed: ${error}`);
    }
  }
}

const main = async () => {
  const writeDocs = process.argv.includes('--write-docs');
  const only = process.env.CHAOS_PHASES?.split(',');
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL (a PostgreSQL server) is required');
  const started = Date.now();
  const loadAverage = os.loadavg()[0]!.toFixed(1);
  const chaos = new ChaosRun();
  const bail = (why: string, code: number) => {
    say(why);
    chaos.killNow();
    process.exit(code);
  };
  process.once('SIGINT', () => bail('interrupted', 130));
  process.once('SIGTERM', () => bail('terminated', 143));
  // A bound on the whole run (a hung start or drain must not hold CI for long).
  setTimeout(() => bail(`FAILED: not done after ${TIMEOUT_SECONDS} s`, 1), TIMEOUT_SECONDS * 1000).unref();
  let failed = true;
  try {
    await chaos.setUp();
    await chaos.runPhases(only);
    const final = await chaos.finalCheck();
    const { figures, unexpectedExits } = chaos.results;
    const summary = printFigures(figures, say, final);
    failed = summary.failed;
    if (writeDocs) {
      writeReliabilityDoc({
        figures,
        final,
        unexpectedExits,
        clients: CLIENTS,
        loadAverage,
        seconds: (Date.now() - started) / 1000,
      });
      say('wrote the "Fault injection" section of docs/reliability.md');
    }
  } finally {
    await chaos.tearDown();
  }
  say(`${failed ? 'FAILED' : 'passed'} after ${elapsed(started)}`);
  process.exit(failed ? 1 : 0);
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
