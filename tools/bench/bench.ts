/**
 * `npm run bench`: autocannon through the gateway on (1) TOTP authentication — many users, each
 * code fresh (a code is accepted once, so every request is a different user) — and (2) user reads;
 * plus the append → summaryInfo lag distribution. Runs the whole system in this process twice:
 * embedded (in-process transport) and with the Kafka transport (broker from tools/kafka/kafka.sh).
 * Writes docs/benchmarks.md.
 */
import { execFile, execSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type autocannon from 'autocannon';
import { createLogger } from '@identity-store/http-kit';
import { createTestDatabases, uniqueName } from '@identity-store/testing';
import { type RunningSystem, startSystem, SYSTEM_SERVICES } from '../../apps/embedded/src/system';

const USERS = Number(process.env.BENCH_USERS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const READ_SECONDS = Number(process.env.BENCH_READ_SECONDS ?? 10);
const BEGIN = '<!-- npm run bench: generated section begins -->';
const END = '<!-- npm run bench: generated section ends -->';
const TRANSPORTS = (process.env.BENCH_TRANSPORTS ?? 'in-process,kafka').split(',') as Array<'in-process' | 'kafka'>;

const base32Decode = (input: string): Buffer => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of input) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
};
const code = (secret: Buffer, step: number) => {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1e6).padStart(6, '0');
};

interface Result {
  label: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

type LagSnapshot = { count: number; buckets: Array<{ le: number; count: number }> };

/** Runs tools/bench/load.ts in its own process (see there) and returns autocannon's result. */
const runLoad = async (url: string, targets: { token: string; requests: unknown[] }, durationSeconds?: number): Promise<autocannon.Result> => {
  const file = path.join(os.tmpdir(), `identity-store-bench-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(targets));
  const args = [path.resolve(__dirname, 'load.ts'), url, file, String(CONNECTIONS), ...(durationSeconds ? [String(durationSeconds)] : [])];
  // Asynchronously: the system under test runs on this process's event loop.
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', ...args], { maxBuffer: 64 * 2 ** 20 });
  return JSON.parse(stdout);
};

const summarize = (label: string, r: autocannon.Result): Result => ({
  label,
  requests: r.requests.total,
  rps: Math.round(r.requests.total / (r.duration || 1)),
  p50: r.latency.p50,
  p99: r.latency.p99,
  errors: r.errors,
  non2xx: r.non2xx,
});

/** Lag samples between two snapshots of the cumulative histogram (only the measured run). */
const lagBetween = (before: LagSnapshot, after: LagSnapshot): LagSnapshot => ({
  count: after.count - before.count,
  buckets: after.buckets.map((b, i) => ({ le: b.le, count: b.count - (before.buckets[i]?.count ?? 0) })),
});

const benchOnce = async (transport: 'in-process' | 'kafka') => {
  const prefix = uniqueName(`bench_${transport.replace('-', '')}`);
  const databases = await createTestDatabases(prefix, [...SYSTEM_SERVICES]);
  const adminApiKey = `isk_admin_${randomBytes(24).toString('base64url')}`;
  const system: RunningSystem = await startSystem({
    postgresUrl: databases.server,
    databasePrefix: prefix,
    transport: transport === 'kafka' ? { kind: 'kafka', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',') } : { kind: 'in-process' },
    secretsKey: randomBytes(32).toString('hex'),
    adminApiKey,
    logger: createLogger('bench', 'error'),
    auditProjector: { consumerGroup: `${prefix}-audit`, fromBeginning: false },
  });
  try {
    const { token } = (await (await fetch(`${system.url}/api/arthr/apiKeys/issue`, { method: 'POST', headers: { 'x-api-key': adminApiKey } })).json()) as { token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const post = (p: string, body?: unknown) =>
      fetch(`${system.url}/api/identity-store/stores${p}`, { method: 'POST', headers, body: body ? JSON.stringify(body) : undefined }).then((r) => r.json() as Promise<Record<string, any>>);
    await post('', { name: 'bench' });
    await post('/bench/totpPolicy', { name: 'bench', issuer: 'Bench', window: 1, period: 30, maxFailedAttempts: 100 });

    // Setup: USERS users, each with a completed TOTP registration (setup time is not measured).
    const users: Array<{ id: string; secret: Buffer }> = [];
    const setupStart = Date.now();
    for (let i = 0; i < USERS; i += 16) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(16, USERS - i) }, async (_, j) => {
          const user = await post('/bench/users', { extId: `user-${i + j}` });
          const reg = await post(`/bench/users/${user.id}/totps/registrations/bench`);
          const secret = base32Decode(reg.secret as string);
          const step = Math.floor(Date.now() / 30_000);
          await post(`/bench/users/${user.id}/totps/registrations/bench/complete`, { code: code(secret, step - 1) });
          return { id: user.id as string, secret };
        }),
      );
      users.push(...batch);
    }
    const setupSeconds = (Date.now() - setupStart) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the setup's projections settle

    // (1) TOTP authentications: every request a different user with a fresh, never-used code
    // (the next time step's, accepted within window 1).
    const step = Math.floor(Date.now() / 30_000) + 1;
    const lagBefore = await system.projectionLag();
    const auth = await runLoad(system.url, {
      token,
      requests: users.map((user) => ({
        method: 'POST',
        path: `/api/identity-store/stores/bench/users/${user.id}/totps/authentications/bench`,
        body: JSON.stringify({ code: code(user.secret, step) }),
      })),
    });
    const lag = lagBetween(lagBefore, await system.projectionLag());

    // (2) user reads, cycling over the users for READ_SECONDS.
    const reads = await runLoad(
      system.url,
      { token, requests: users.map((user) => ({ method: 'GET', path: `/api/identity-store/stores/bench/users/${user.id}` })) },
      READ_SECONDS,
    );
    return { results: [summarize('TOTP authentication (POST …/totps/authentications/{policy})', auth), summarize('User read (GET …/users/{userId})', reads)], lag, setupSeconds };
  } finally {
    await system.close();
    await databases.drop();
  }
};

const lagTable = (lag: LagSnapshot) =>
  lag.buckets
    .filter((b) => Number.isFinite(b.le))
    .map((b) => `| ≤ ${b.le * 1000} ms | ${((b.count / Math.max(1, lag.count)) * 100).toFixed(1)} % |`)
    .join('\n');

const main = async () => {
  const loadBefore = os.loadavg()[0]!.toFixed(1);
  const sections: string[] = [];
  for (const transport of TRANSPORTS) {
    process.stdout.write(`benchmarking with the ${transport} transport…\n`);
    const { results, lag, setupSeconds } = await benchOnce(transport);
    for (const r of results) process.stdout.write(`  ${r.label}: ${r.rps}/s p50 ${r.p50} ms p99 ${r.p99} ms (${r.non2xx} non-2xx, ${r.errors} errors)\n`);
    sections.push(
      [
        `### ${transport === 'in-process' ? 'Embedded default (in-process transport)' : 'Kafka transport (all apps in one process, real broker)'}`,
        '',
        `Setup of ${USERS} users with completed TOTP registrations: ${setupSeconds.toFixed(1)} s (not measured below).`,
        '',
        '| workload | requests | throughput (req/s) | p50 (ms) | p99 (ms) | non-2xx | errors |',
        '|---|---|---|---|---|---|---|',
        ...results.map((r) => `| ${r.label} | ${r.requests} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`),
        '',
        `Append → summaryInfo lag (${lag.count} events projected, cumulative):`,
        '',
        '| lag | events |',
        '|---|---|',
        lagTable(lag),
        '',
      ].join('\n'),
    );
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const measured = [
    BEGIN,
    `## TOTP authentication and user reads (\`npm run bench\`, generated ${new Date().toISOString()})`,
    '',
    `- Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, PostgreSQL ${execSync('psql --version 2>/dev/null || echo unknown').toString().trim()}`,
    `- Other load on the machine when the run started (1-minute load average): ${loadBefore}.`,
    `- Load: autocannon, ${CONNECTIONS} connections, through the gateway (JWT verified, permission checked) on 127.0.0.1; load generator in a separate process on the same machine (it shares the 2 cores with the system and PostgreSQL).`,
    `- TOTP: ${USERS} users, one authentication each with a fresh code (a code is accepted once); every authentication appends events + outbox rows, is projected into summaryInfo and the response waits for that projection (read-your-writes).`,
    '',
    ...sections,
    END,
  ].join('\n');
  // Only the generated section is replaced; the analysis around it is written by hand.
  const file = path.resolve(__dirname, '../../docs/benchmarks.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const doc =
    current.includes(BEGIN) && current.includes(END)
      ? current.slice(0, current.indexOf(BEGIN)) + measured + current.slice(current.indexOf(END) + END.length)
      : `# Benchmarks\n\n${measured}\n`;
  writeFileSync(file, doc);
  process.stdout.write('wrote docs/benchmarks.md\n');
  process.exit(0);
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
