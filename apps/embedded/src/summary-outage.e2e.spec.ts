import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withPgClient } from '@identity-store/event-store';
import { uniqueName } from '@identity-store/testing';
import * as OTPAuth from 'otpauth';
import { type DistributedSystem, startDistributedSystem } from './testing/distributed-system';

/**
 * M7: the credential services and identity ask the audit service for the user's projected summary
 * after a write has committed. Here every such lookup goes to a stand-in that answers 500, refuses
 * connections or never answers: the writes still answer their 2xx (or the ceremony's 400), with
 * `Summary-Status: stale` and their own events' effect (the family's group folded from its whole
 * stream), and a TOTP code is consumed exactly once.
 */

type Mode = 'error' | 'down' | 'hang';

/** The audit's /internal/summaries as it fails: 500, connection refused (503 from a proxy alike), or silence. */
const failingAudit = async () => {
  let mode: Mode = 'error';
  const requests: string[] = [];
  const server: Server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (mode === 'hang') return; // keeps the connection open, answers nothing
    if (mode === 'down') return void req.socket.destroy();
    res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"INTERNAL_ERROR"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    set: (next: Mode) => void (mode = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const S = '/api/identity-store/stores';
const totpPolicy = { issuer: 'Acme', algorithm: 'SHA1', digits: 6, period: 30, window: 1, maxFailedAttempts: 5, lockoutDuration: 'PT15M' };
const codeOf = (secret: string, offset = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({
    timestamp: Date.now() + offset * 30_000,
  });

describe('M7: the audit service failing, down or hanging after a committed write', () => {
  let system: DistributedSystem;
  let audit: Awaited<ReturnType<typeof failingAudit>>;
  let token: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${system.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return {
      status: response.status,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever was answered
      body: text ? (JSON.parse(text) as any) : undefined,
      stale: response.headers.get('summary-status'),
      consistencyToken: response.headers.get('consistency-token'),
    };
  };
  const eventCount = (type: string) =>
    withPgClient(system.databases.totp, async (client) =>
      Number((await client.query('SELECT count(*) AS n FROM events WHERE type = $1', [type])).rows[0].n),
    );

  beforeAll(async () => {
    audit = await failingAudit();
    // A short wait bound: a hanging audit costs the bound plus the client's margin, not undici's 300 s.
    system = await startDistributedSystem({ label: 'outage', summariesUrl: () => audit.url, consistencyWaitMs: 300 });
    const issued = await fetch(`${system.gatewayUrl}/api/arthr/apiKeys/issue`, {
      method: 'POST',
      headers: { 'x-api-key': system.adminApiKey },
    });
    token = ((await issued.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await system?.close();
    await audit?.close();
  });

  it('answers every write with its status and a stale summary; the TOTP code is consumed once', async () => {
    const store = uniqueName('outage');
    expect((await call('POST', S, { name: store, totpPolicies: { default: totpPolicy } })).status).toBe(201);

    audit.set('error');
    const user = await call('POST', `${S}/${store}/users`, { extId: 'alice' });
    expect([user.status, user.stale]).toEqual([200, 'stale']);
    expect(user.body.summaryInfo.totps).toEqual({ count: 0, items: [] });

    audit.set('down');
    const started = await call('POST', `${S}/${store}/users/${user.body.id}/totps/registrations/default`);
    expect([started.status, started.stale]).toEqual([201, 'stale']);
    expect(started.body.secret).toEqual(expect.any(String));
    const completed = await call('POST', `${S}/${store}/users/alice/totps/registrations/default/complete/ext`, {
      code: codeOf(started.body.secret),
    });
    expect([completed.status, completed.stale]).toEqual([200, 'stale']);

    audit.set('hang');
    const before = audit.requests.length;
    const code = codeOf(started.body.secret, 1);
    const ok = await call('POST', `${S}/${store}/users/${user.body.id}/totps/authentications/default`, { code });
    expect([ok.status, ok.body.result, ok.stale]).toEqual([200, 'SUCCESS', 'stale']);
    expect(audit.requests.length).toBeGreaterThan(before);
    // Stale, yet with this family's effect: folded from the TOTP stream alone.
    expect(ok.body.user.summaryInfo.totps.items).toEqual([
      expect.objectContaining({ id: started.body.id, status: 'ACTIVE', lastUsedDtm: expect.any(String) }),
    ]);
    expect(ok.body.user.summaryInfo.lastAuthentication).toMatchObject({ type: 'Totp', result: 'SUCCESS' });
    expect(ok.consistencyToken).toEqual(expect.any(String));

    audit.set('down');
    const replayed = await call('POST', `${S}/${store}/users/${user.body.id}/totps/authentications/default`, { code });
    expect([replayed.status, replayed.body.reason, replayed.stale]).toEqual([400, 'CODE_REPLAYED', 'stale']);

    expect(await eventCount('TotpAuthenticationSucceeded')).toBe(1);
    expect(await eventCount('TotpAuthenticationFailed')).toBe(1);
    // Writes that answer without the user (a status change) do not ask the audit at all.
    const asked = audit.requests.length;
    const updated = await call('POST', `${S}/${store}/users/${user.body.id}/totps/${started.body.id}`, { status: 'SUSPENDED' });
    expect([updated.status, updated.body.status, updated.stale]).toEqual([200, 'SUSPENDED', null]);
    expect(updated.consistencyToken).toEqual(expect.any(String));
    expect(audit.requests.length).toBe(asked);
  });
});
