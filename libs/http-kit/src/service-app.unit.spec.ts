import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Router } from 'express';
import request from 'supertest';
import { createLogger } from './logger';
import { answerClientErrorsWithProblems, createServiceApp } from './service-app';

/**
 * What every app answers before a route sees the request: bodies that are too large, not JSON, or
 * in a charset other than UTF-8, and requests Node's HTTP parser refuses. Found by the API fuzzer
 * (tools/fuzz): each was a bare or mislabelled answer, or a body silently taken as empty.
 */

const appWithEcho = () => {
  const seen: unknown[] = [];
  const router = Router();
  router.get('/things/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  router.post('/things', (req, res) => {
    seen.push(req.body);
    res.status(201).json({ received: req.body ?? null });
  });
  const app = createServiceApp({ name: 'test', logger: createLogger('test', 'silent'), routers: [router] });
  return { app, seen };
};

describe('service app: request bodies', () => {
  it('answers a body over 256 kB with 413 CONTENT_TOO_LARGE, as a problem', async () => {
    const { app, seen } = appWithEcho();
    const answer = await request(app)
      .post('/things')
      .set('content-type', 'application/json')
      .send(`{"a":"${'x'.repeat(256 * 1024)}"}`);
    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 413, code: 'CONTENT_TOO_LARGE', title: 'Content Too Large' });
    expect(seen).toEqual([]);
  });

  it('answers JSON in a charset other than UTF-8 with 415 UNSUPPORTED_MEDIA_TYPE, as a problem', async () => {
    const { app, seen } = appWithEcho();
    const answer = await request(app)
      .post('/things')
      .set('content-type', 'application/json; charset=latin1')
      .send(Buffer.from('{"a":"caf\u00e9"}', 'latin1'));
    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(answer.body.errors).toEqual([{ path: 'headers.content-type', message: expect.any(String) }]);
    expect(seen).toEqual([]);
  });

  it.each<[string, string | undefined]>([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['XML', 'application/xml'],
    ['no content type', undefined],
  ])('refuses a body sent as %s with 415 (it was taken as an empty body)', async (_label, contentType) => {
    const { app, seen } = appWithEcho();
    const req = request(app).post('/things');
    if (contentType) req.set('content-type', contentType);
    else req.unset('content-type');
    const answer = await req.send(Buffer.from('{"name":"x"}'));
    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(seen).toEqual([]);
  });

  it('refuses JSON nested deeper than 64 levels with 400 (10,000 levels overflowed JSON.stringify: a 500)', async () => {
    const { app, seen } = appWithEcho();
    /** An object holding arrays: `depth` levels of containers in all. */
    const nested = (depth: number) => `{"a":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}`;
    for (const depth of [65, 10_000]) {
      const answer = await request(app)
        .post('/things')
        .set('content-type', 'application/json')
        .send(nested(depth));
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        errors: [{ path: 'body', message: 'nested deeper than 64 levels' }],
      });
    }
    expect(seen).toEqual([]);
    const deepest = await request(app)
      .post('/things')
      .set('content-type', 'application/json')
      .send(nested(64));
    expect(deepest.status).toBe(201);
  });

  it('answers a body that does not decode (Content-Encoding gzip, not gzipped) with 400 MALFORMED_BODY', async () => {
    const { app, seen } = appWithEcho();
    const answer = await request(app)
      .post('/things')
      .set('content-type', 'application/json')
      .set('content-encoding', 'gzip')
      .send('{"a":1}');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, code: 'MALFORMED_BODY' });
    expect(seen).toEqual([]);
  });

  it('takes JSON (and +json) bodies, and requests without a body', async () => {
    const { app, seen } = appWithEcho();
    expect((await request(app).post('/things').send({ a: 1 })).status).toBe(201);
    expect(
      (await request(app).post('/things').set('content-type', 'application/merge-patch+json').send('{"b":2}'))
        .status,
    ).toBe(201);
    expect((await request(app).post('/things')).status).toBe(201);
    expect(seen).toEqual([{ a: 1 }, { b: 2 }, undefined]);
  });
});

describe('service app: paths', () => {
  it('answers a path parameter that does not percent-decode (%C0%AE) with 400 MALFORMED_REQUEST naming the path', async () => {
    const { app } = appWithEcho();
    const answer = await request(app).get('/things/%C0%AE%C0%AE');
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({
      code: 'MALFORMED_REQUEST',
      errors: [{ path: 'path', message: expect.any(String) }],
    });
    expect((await request(app).get('/things/caf%C3%A9')).body).toEqual({ id: 'café' });
  });
});

describe('service app: requests the HTTP parser refuses', () => {
  let server: Server;
  beforeAll(async () => {
    const { app } = appWithEcho();
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    answerClientErrorsWithProblems(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends raw bytes and reads until the server closes the connection. */
  const raw = (bytes: Buffer) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket.end(bytes));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.on('error', reject);
    });
  const problemOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

  it('answers a request target with bytes that are not ASCII with a 400 problem', async () => {
    const answer = await raw(
      Buffer.concat([
        Buffer.from('GET /things/caf'),
        Buffer.from([0xe9]),
        Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
      ]),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
    expect(problemOf(answer)).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST' });
  });

  it('answers a request line and headers over the limit with a 431 problem', async () => {
    const answer = await raw(Buffer.from(`GET /things/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(problemOf(answer)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
  });
});
