import { randomBytes } from 'node:crypto';
import { withPgClient } from '@identity-store/event-store';
import { createLogger } from '@identity-store/http-kit';
import { ConsistencySession, createTestDatabases, uniqueName } from '@identity-store/testing';
import { Secret, TOTP } from 'otpauth';
import { type RunningSystem, startSystem, SYSTEM_SERVICES } from './system';

/**
 * The transport `npm start` uses (F8): the whole system on the in-process transport, over HTTP
 * through the gateway, on real PostgreSQL. Also what it does across a restart (the projector
 * resumes from its committed outbox positions, L11) and during a rebuild (nothing published
 * meanwhile is lost).
 */
describe('the embedded default: in-process transport end to end', () => {
  const prefix = uniqueName('inproc');
  const adminApiKey = `isk_admin_${randomBytes(24).toString('base64url')}`;
  const secretsKey = randomBytes(32).toString('hex');
  let server: string;
  let dropDatabases: () => Promise<void>;
  let system: RunningSystem;
  let token: string;

  const start = async () => {
    system = await startSystem({
      postgresUrl: server,
      databasePrefix: prefix,
      transport: { kind: 'in-process' },
      secretsKey,
      adminApiKey,
      logger: createLogger('e2e', 'silent'),
      consistencyTimeoutMs: 10_000,
    });
    const issued = await fetch(`${system.url}/api/arthr/apiKeys/issue`, { method: 'POST', headers: { 'x-api-key': adminApiKey } });
    expect(issued.status).toBe(200);
    token = ((await issued.json()) as { token: string }).token;
  };
  beforeAll(async () => {
    const databases = await createTestDatabases(prefix, [...SYSTEM_SERVICES]);
    server = databases.server;
    dropDatabases = databases.drop;
    await start();
  });
  afterAll(async () => {
    await system?.close();
    await dropDatabases?.();
  });

  // Reads send the Consistency-Token of the writes before them.
  const session = new ConsistencySession();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the API answered
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${system.url}/api/identity-store/stores${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method === 'GET' ? session.headers() : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    session.remember(response.headers);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const counted = async (outcome: string) => {
    const metric = await system.metrics.getSingleMetric('audit_projection_events_total')!.get();
    return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  };
  /** Per stream of the services' event stores, the last version; and what the audit applied. */
  const streamsAndCheckpoints = async () => {
    const streams = new Map<string, number>();
    for (const service of ['identity', 'totp', 'passcode', 'passkey'] as const)
      await withPgClient(system.databases[service]!, async (client) => {
        const { rows } = await client.query<{ stream_id: string; version: number }>(
          "SELECT stream_id, max(stream_version) AS version FROM events WHERE stream_id NOT LIKE 'apikey-%' GROUP BY stream_id",
        );
        for (const row of rows) streams.set(row.stream_id, row.version);
      });
    const applied = await withPgClient(system.databases.audit!, async (client) => {
      const { rows } = await client.query<{ stream_id: string; stream_version: number }>(
        "SELECT stream_id, stream_version FROM stream_checkpoints WHERE consumer = 'audit-projector'",
      );
      return new Map(rows.map((row) => [row.stream_id, row.stream_version]));
    });
    return { streams, applied };
  };

  const storeName = uniqueName('acme');
  let userId: string;
  let secret: string;
  let step: number;
  const authentications: string[] = [];
  const code = (at: number) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at * 30_000 });

  it('answers every write with its own effect in summaryInfo, and records the audits', async () => {
    expect(system.transport.kind).toBe('in-process');
    expect((await call('POST', '', { name: storeName })).status).toBe(201);
    const policy = { name: 'default', issuer: 'Acme', algorithm: 'SHA1', digits: 6, period: 30, window: 1, maxFailedAttempts: 20, lockoutDuration: 'PT15M' };
    expect((await call('POST', `/${storeName}/totpPolicy`, policy)).status).toBe(201);
    const user = await call('POST', `/${storeName}/users`, { extId: 'alice', attributes: {} });
    expect(user.status).toBe(200);
    userId = user.body.id;

    const started = await call('POST', `/${storeName}/users/${userId}/totps/registrations/default`);
    expect(started.status).toBe(201);
    expect(started.body.user.summaryInfo.totps.items).toEqual([expect.objectContaining({ status: 'PENDING' })]);
    secret = started.body.secret;
    step = Math.floor(Date.now() / 30_000);
    const completed = await call('POST', `/${storeName}/users/${userId}/totps/registrations/default/complete`, { code: code(step) });
    expect(completed.status).toBe(200);
    expect(completed.body.summaryInfo.totps.items[0].status).toBe('ACTIVE');
    const failed = await call('POST', `/${storeName}/users/${userId}/totps/authentications/default`, { code: code(step + 9) });
    expect(failed.status).toBe(400);
    expect(failed.body.user.summaryInfo.lastAuthentication).toEqual(expect.objectContaining({ type: 'Totp', result: 'FAILURE' }));
    authentications.push(failed.body.authenticationId);
    const ok = await call('POST', `/${storeName}/users/${userId}/totps/authentications/default`, { code: code(step + 1) });
    expect(ok.status).toBe(200);
    expect(ok.body.user.summaryInfo.lastAuthentication).toEqual(expect.objectContaining({ type: 'Totp', result: 'SUCCESS' }));
    authentications.push(ok.body.authenticationId);
    for (const id of authentications)
      expect((await call('GET', `/${storeName}/users/${userId}/authentications/${id}`)).body).toMatchObject({ id, userId, type: 'Totp' });

    const { streams, applied } = await streamsAndCheckpoints();
    expect(applied).toEqual(streams);
  });

  it('a restart resumes after the committed outbox positions: no history is replayed', async () => {
    const before = (await call('GET', `/${storeName}/users/${userId}`)).body.summaryInfo;
    await system.close();
    await start();
    // Everything was handled and committed before the restart: nothing came again.
    expect(await counted('applied')).toBe(0);
    expect(await counted('duplicate')).toBe(0);
    expect((await call('GET', `/${storeName}/users/${userId}`)).body.summaryInfo).toEqual(before);

    const failed = await call('POST', `/${storeName}/users/${userId}/totps/authentications/default`, { code: code(step + 7) });
    expect(failed.status).toBe(400);
    expect(failed.body.user.summaryInfo.lastAuthentication.result).toBe('FAILURE');
    authentications.push(failed.body.authenticationId);
    // The write answered without waiting; a read with its token waits until it is projected.
    expect((await call('GET', `/${storeName}/users/${userId}`)).body.summaryInfo).toEqual(failed.body.user.summaryInfo);
    expect(await counted('applied')).toBeGreaterThan(0);
  });

  it('a rebuild replays all history while writes go on, and loses none of them', async () => {
    const writes = Array.from({ length: 6 }, (_, i) =>
      call('POST', `/${storeName}/users/${userId}/totps/authentications/default`, { code: code(step + 20 + i) }),
    );
    await Promise.all([system.rebuildAudit(), ...writes]);
    for (const write of await Promise.all(writes)) {
      expect(write.status).toBe(400);
      authentications.push(write.body.authenticationId);
    }
    // Every event of every stream is applied, once (checkpoints equal the streams' last versions).
    let state = await streamsAndCheckpoints();
    for (let tries = 0; tries < 100 && JSON.stringify([...state.applied].sort()) !== JSON.stringify([...state.streams].sort()); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = await streamsAndCheckpoints();
    }
    expect(new Map([...state.applied].sort())).toEqual(new Map([...state.streams].sort()));
    for (const id of authentications)
      expect((await call('GET', `/${storeName}/users/${userId}/authentications/${id}`)).status).toBe(200);
    const summary = (await call('GET', `/${storeName}/users/${userId}`)).body.summaryInfo;
    expect(summary.totps.items).toEqual([expect.objectContaining({ status: 'ACTIVE' })]);
    expect(summary.lastAuthentication.result).toBe('FAILURE');
  });
});
