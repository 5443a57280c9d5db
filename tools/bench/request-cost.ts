/**
 * The fixed cost of a request (`npx tsx tools/bench/request-cost.ts`): the embedded system (in-process
 * transport) in this process, and autocannon in a separate process (load.ts) against
 *   - a bare node:http server in this process (the floor),
 *   - a bare Express app with one route in this process (what Express alone costs),
 *   - GET /healthz of the system,
 *   - an authenticated GET of a store,
 *   - an authenticated GET of a user,
 * each for REQUEST_COST_SECONDS (default 8) with REQUEST_COST_CONNECTIONS (default 32). Prints req/s,
 * p50/p99 and the share of the floor. The system logs at LOG_LEVEL (default info, as deployed) to
 * /dev/null, so the logging work is paid but the terminal stays readable.
 * REQUEST_COST_PROFILE=<dir>: a CPU profile of this process per workload.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type autocannon from 'autocannon';
import express from 'express';
import pino from 'pino';
import { createLogger } from '@identity-store/http-kit';
import { createTestDatabases, uniqueName } from '@identity-store/testing';
import { startSystem, SYSTEM_SERVICES } from '../../apps/embedded/src/system';
import { READY, type Scenario } from './load-protocol';

const SECONDS = Number(process.env.REQUEST_COST_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.REQUEST_COST_CONNECTIONS ?? 32);
const USERS = Number(process.env.REQUEST_COST_USERS ?? 200);
const PROFILE_DIR = process.env.REQUEST_COST_PROFILE;
const ONLY = process.env.REQUEST_COST_ONLY?.split(',');

const load = async (url: string, scenario: Scenario, name: string) => {
  const file = path.join(os.tmpdir(), `identity-store-request-cost-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve(__dirname, 'load.ts'), url, file, String(CONNECTIONS), String(SECONDS)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  let profiler: Promise<Session> | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (PROFILE_DIR && !profiler && output.includes(READY))
      profiler = (async () => {
        const session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
        return session;
      })();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  if (profiler) {
    const session = await profiler;
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path.join(PROFILE_DIR!, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
  return JSON.parse(output.slice(output.indexOf(READY) + READY.length)) as autocannon.Result;
};

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const main = async () => {
  const prefix = uniqueName('request_cost');
  const databases = await createTestDatabases(prefix, [...SYSTEM_SERVICES]);
  const adminApiKey = `isk_admin_${randomBytes(24).toString('base64url')}`;
  const system = await startSystem({
    postgresUrl: databases.server,
    databasePrefix: prefix,
    transport: { kind: 'in-process' },
    secretsKey: randomBytes(32).toString('hex'),
    adminApiKey,
    logger: createLogger('request-cost', process.env.LOG_LEVEL ?? 'info', pino.destination('/dev/null')),
  });
  const floor = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"UP"}');
  });
  const bareExpress = express();
  bareExpress.get('/', (_req, res) => {
    res.json({ status: 'UP' });
  });
  const bareExpressServer = createServer(bareExpress);
  try {
    const { token } = (await (
      await fetch(`${system.url}/api/arthr/apiKeys/issue`, { method: 'POST', headers: { 'x-api-key': adminApiKey } })
    ).json()) as { token: string };
    const store = `cost-${randomBytes(4).toString('hex')}`;
    const post = async (p: string, body: unknown) => {
      const response = await fetch(`${system.url}/api/identity-store/stores${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`setup: POST ${p} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as { id: string };
    };
    await post('', { name: store });
    const users: string[] = [];
    for (let i = 0; i < USERS; i += 16)
      users.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(16, USERS - i) }, async (_, j) => (await post(`/${store}/users`, { extId: `u-${i + j}` })).id),
        )),
      );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the setup's projections settle

    const floorUrl = await listen(floor);
    const expressUrl = await listen(bareExpressServer);
    const get = (p: string) => ({ method: 'GET' as const, path: p });
    const workloads: Array<{ name: string; label: string; url: string; scenario: Scenario }> = [
      { name: 'floor', label: 'bare node:http (floor)', url: floorUrl, scenario: { kind: 'requests', token: 'none', requests: [get('/')] } },
      { name: 'express', label: 'bare Express, one route', url: expressUrl, scenario: { kind: 'requests', token: 'none', requests: [get('/')] } },
      { name: 'healthz', label: 'GET /healthz', url: system.url, scenario: { kind: 'requests', token: 'none', requests: [get('/healthz')] } },
      {
        name: 'store',
        label: 'GET store (authenticated)',
        url: system.url,
        scenario: { kind: 'requests', token, requests: [get(`/api/identity-store/stores/${store}`)] },
      },
      {
        name: 'user',
        label: 'GET user (authenticated)',
        url: system.url,
        scenario: { kind: 'requests', token, requests: users.map((id) => get(`/api/identity-store/stores/${store}/users/${id}`)) },
      },
    ];
    const rows: Array<{ label: string; perSecond: number; p50: number; p99: number; failed: number; cpuMs: number }> = [];
    for (const workload of workloads) {
      if (ONLY && workload.name !== 'floor' && !ONLY.includes(workload.name)) continue;
      const cpuBefore = process.cpuUsage();
      const result = await load(workload.url, workload.scenario, workload.name);
      const cpu = process.cpuUsage(cpuBefore);
      rows.push({
        label: workload.label,
        perSecond: Math.round(result.requests.total / (result.duration || 1)),
        p50: result.latency.p50,
        p99: result.latency.p99,
        failed: result.non2xx + result.errors,
        cpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, result.requests.total),
      });
    }
    const floorRate = rows[0]!.perSecond;
    process.stdout.write(
      `${CONNECTIONS} connections, ${SECONDS} s each, log level ${process.env.LOG_LEVEL ?? 'info'}, load average ${os.loadavg()[0]!.toFixed(1)}\n` +
        '| workload | req/s | share of floor | p50 ms | p99 ms | failed | CPU ms/req (this process) |\n|---|---|---|---|---|---|---|\n' +
        rows
          .map(
            (r) =>
              `| ${r.label} | ${r.perSecond} | ${((r.perSecond / floorRate) * 100).toFixed(1)} % | ${r.p50} | ${r.p99} | ${r.failed} | ${r.cpuMs.toFixed(3)} |`,
          )
          .join('\n') +
        '\n',
    );
  } finally {
    for (const server of [floor, bareExpressServer])
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    await system.close();
    await databases.drop();
  }
  process.exit(0);
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
