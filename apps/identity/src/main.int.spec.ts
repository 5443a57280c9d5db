import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateGrantKeyPair } from '@identity-store/http-kit';
import { createTestDatabase, kafkaBrokers, type TestDatabase } from '@identity-store/testing';

/**
 * The identity service's real process (apps/identity/src/main.ts, as the image runs it) without
 * HOST: it listens on loopback only (H1), serves /metrics on its admin listener only (L6), answers
 * no operation without a grant, and refuses to start without the gateway's verify key.
 */

const root = path.resolve(__dirname, '../../..');
const main = path.join(root, 'apps/identity/src/main.ts');

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** Runs main.ts; resolves once `until` appears in its output, or with its exit code. */
const run = (env: Record<string, string>, until: RegExp) => {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const done = new Promise<{ output: string; exitCode: number | null }>((resolve) => {
    const check = (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) resolve({ output, exitCode: null });
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => resolve({ output, exitCode: code }));
  });
  return { child, done };
};

const connects = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port, timeout: 2_000 });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

describe('the identity process of the distributed layout', () => {
  let db: TestDatabase;
  let child: ChildProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('identity_main');
    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: (await kafkaBrokers()).join(','),
      AUDIT_URL: 'http://127.0.0.1:9',
      GATEWAY_VERIFY_KEY: generateGrantKeyPair().verifyKey,
      INTERNAL_TOKEN_KEY: randomBytes(32).toString('hex'),
      SECRETS_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await db?.drop();
  });

  it('refuses to start without GATEWAY_VERIFY_KEY or SECRETS_KEY or with a short INTERNAL_TOKEN_KEY, naming them', async () => {
    const { GATEWAY_VERIFY_KEY: _omitted, SECRETS_KEY: _secrets, ...withoutKeys } = env;
    const missing = await run({ ...withoutKeys, INTERNAL_TOKEN_KEY: 'short', PORT: String(await freePort()) }, /$^/).done;
    expect(missing.exitCode).toBe(1);
    expect(missing.output).toMatch(/GATEWAY_VERIFY_KEY/);
    expect(missing.output).toMatch(/INTERNAL_TOKEN_KEY/);
    expect(missing.output).toMatch(/SECRETS_KEY/);
  });

  it('listens on loopback by default, with /metrics on the admin listener only, and serves nothing ungranted', async () => {
    const port = await freePort();
    const adminPort = await freePort();
    const started = run({ ...env, PORT: String(port), ADMIN_PORT: String(adminPort) }, /identity admin listening/);
    child = started.child;
    const { output, exitCode } = await started.done;
    expect(exitCode).toBeNull();
    expect(output).toMatch(/"host":"127\.0\.0\.1","port":\d+,"msg":"identity listening"/);

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((address) => address && !address.internal && address.family === 'IPv4');
    if (external) expect(await connects(external.address, port)).toBe(false);

    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${adminPort}/metrics`)).status).toBe(200);
    const ungranted = await fetch(`http://127.0.0.1:${port}/api/identity-store/stores`);
    expect([ungranted.status, ((await ungranted.json()) as { code: string }).code]).toEqual([401, 'GRANT_MISSING']);
    expect((await fetch(`http://127.0.0.1:${port}/internal/stores/acme`)).status).toBe(401);
  });
});
