import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { InternalTokenIssuer } from '@identity-store/http-kit';
import { HttpIdentityQueries, HttpPushCredentialQueries } from './index';

const listen = (answer: (res: import('node:http').ServerResponse, url: string) => void) =>
  new Promise<Server>((resolve) => {
    const server = createServer((req, res) => answer(res, req.url ?? ''));
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

/**
 * A credential service looks the store and user up before it decides anything: when the identity
 * service cannot be reached or is itself unavailable, the request has changed nothing and the
 * caller's answer is 503 with Retry-After (an HttpProblem), not a 500 (real sockets).
 */
describe('HttpIdentityQueries when the identity service is unavailable', () => {
  const identity = (url: string, timeoutMs?: number) =>
    new HttpIdentityQueries(url, { tokens: new InternalTokenIssuer('totp', randomBytes(32)), timeoutMs });

  it('is a 503 problem when nothing listens', async () => {
    const server = await listen(() => undefined);
    const url = urlOf(server);
    await close(server);
    await expect(identity(url).getStoreByName('acme')).rejects.toMatchObject({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
  });

  it('is a 503 problem when the identity service answers 503', async () => {
    const server = await listen((res) => res.writeHead(503, { 'retry-after': '1' }).end('{}'));
    try {
      await expect(identity(urlOf(server)).getUser('s-1', { userId: 'u-1' })).rejects.toMatchObject({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
    } finally {
      await close(server);
    }
  });

  it('is a 503 problem when the identity service does not answer in time', async () => {
    const server = await listen(() => undefined); // accepts, never answers
    try {
      await expect(identity(urlOf(server), 200).getStoreByName('acme')).rejects.toMatchObject({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });

  it('stays an error of its own for other answers (a bug is not a retry)', async () => {
    const server = await listen((res) => res.writeHead(500).end('{}'));
    try {
      const failure = await identity(urlOf(server))
        .getStoreByName('acme')
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as { status?: number }).status).toBeUndefined();
    } finally {
      await close(server);
    }
  });
});

/**
 * The appkey service reads push credentials from the identity service (libs/identity's
 * push-credentials int spec runs it against the real route): the answer is checked before use, and
 * an unavailable identity service is a 503 problem like every lookup.
 */
describe('HttpPushCredentialQueries', () => {
  const credentials = (url: string) =>
    new HttpPushCredentialQueries(url, { tokens: new InternalTokenIssuer('appkey', randomBytes(32)) });
  const encrypted = { ttlSeconds: 60, apns: { teamId: 'T', keyId: 'K', bundleId: 'b.c', production: true, encryptedPrivateKey: 'v2.0.a.b' } };

  it('asks the internal route of the store and rpId, and returns its answer (404: null)', async () => {
    const asked: string[] = [];
    const server = await listen((res, url) => {
      asked.push(url);
      if (url.endsWith('/example.com')) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(encrypted));
      else res.writeHead(404).end('{}');
    });
    try {
      expect(await credentials(urlOf(server)).getPushCredentials('s 1', 'example.com')).toEqual(encrypted);
      expect(await credentials(urlOf(server)).getPushCredentials('s 1', 'other.com')).toBeNull();
      expect(asked).toEqual(['/internal/stores/s%201/pushCredentials/example.com', '/internal/stores/s%201/pushCredentials/other.com']);
    } finally {
      await close(server);
    }
  });

  it('refuses an answer of another shape, and is a 503 problem when the identity service answers 503', async () => {
    const server = await listen((res, url) =>
      url.endsWith('/down.com')
        ? res.writeHead(503).end('{}')
        : res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apns: { privateKey: 'x' } })),
    );
    try {
      await expect(credentials(urlOf(server)).getPushCredentials('s1', 'example.com')).rejects.toThrow(/ttlSeconds/);
      await expect(credentials(urlOf(server)).getPushCredentials('s1', 'down.com')).rejects.toMatchObject({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
    } finally {
      await close(server);
    }
  });
});
