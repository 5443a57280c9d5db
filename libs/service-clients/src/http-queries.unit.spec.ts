import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { emptySummaryInfo } from '@identity-store/contracts';
import { InternalTokenIssuer } from '@identity-store/http-kit';
import { decodeJwt } from 'jose';
import { HttpIdentityQueries, HttpSummaryQueries } from './index';

/** A stand-in service recording what reached it; `answer` decides (or never answers). */
const stub = async (answer: (req: IncomingMessage, res: ServerResponse) => void) => {
  const seen: Array<{ url: string; authorization?: string }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const tokens = new InternalTokenIssuer('totp', randomBytes(32));
const json = (res: ServerResponse, body: unknown) =>
  void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('internal HTTP clients', () => {
  it('L5: never send "." or ".." as a path segment (URL parsing would resolve it to the parent resource)', async () => {
    const identity = await stub((_req, res) => json(res, { id: 'store-1' }));
    try {
      const queries = new HttpIdentityQueries(identity.url, { tokens });
      for (const segment of ['.', '..']) {
        expect(await queries.getUser('store-1', { userId: segment })).toBeNull();
        expect(await queries.getUser('store-1', { extId: segment })).toBeNull();
        expect(await queries.getUser(segment, { userId: 'u-1' })).toBeNull();
        expect(await queries.getStoreByName(segment)).toBeNull();
      }
      expect(identity.seen).toEqual([]);
      // Dots inside a segment are ordinary characters.
      await queries.getUser('store-1', { extId: 'a..b' });
      expect(identity.seen.map((request) => request.url)).toEqual(['/internal/stores/store-1/users/ext/a..b']);
      const summaries = await stub((_req, res) => json(res, emptySummaryInfo()));
      try {
        expect(await new HttpSummaryQueries(summaries.url, { tokens }).getSummary('..')).toEqual(emptySummaryInfo());
        expect(summaries.seen).toEqual([]);
      } finally {
        await summaries.close();
      }
    } finally {
      await identity.close();
    }
  });

  it('send a service token for the service called', async () => {
    const identity = await stub((_req, res) => json(res, { id: 'store-1' }));
    try {
      await new HttpIdentityQueries(identity.url, { tokens }).getStoreByName('acme');
      const bearer = /^Bearer (.+)$/.exec(identity.seen[0]?.authorization ?? '')?.[1];
      expect(decodeJwt(bearer!)).toMatchObject({ iss: 'totp', aud: 'identity' });
    } finally {
      await identity.close();
    }
  });

  it('M7: give up on a service that does not answer; a summary wait gets the wait bound plus a margin', async () => {
    const silent = await stub(() => undefined);
    try {
      await expect(new HttpIdentityQueries(silent.url, { tokens, timeoutMs: 200 }).getStoreByName('acme')).rejects.toThrow(
        /timeout|aborted/i,
      );
      await expect(new HttpSummaryQueries(silent.url, { tokens, timeoutMs: 200 }).getSummary('u-1')).rejects.toThrow(
        /timeout|aborted/i,
      );
    } finally {
      await silent.close();
    }
    // Answers after 400 ms: beyond the lookup bound (200 ms), within the wait's (300 ms + margin).
    const slow = await stub((_req, res) => void setTimeout(() => json(res, { applied: true }), 400));
    try {
      const summaries = new HttpSummaryQueries(slow.url, { tokens, timeoutMs: 200, waitTimeoutMs: 300 });
      await expect(summaries.awaitApplied([{ streamId: 'totp-user-u-1', streamVersion: 3 }])).resolves.toBe(true);
      expect(slow.seen.at(-1)?.url).toMatch(/^\/internal\/progress\?token=/);
    } finally {
      await slow.close();
    }
  });
});
