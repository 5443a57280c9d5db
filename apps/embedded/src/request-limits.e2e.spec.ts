import { connect } from 'node:net';
import { uniqueName } from '@identity-store/testing';
import { useE2eSystem } from './testing/e2e-system';

/**
 * Requests the API fuzzer (tools/fuzz) found mishandled, through the whole system: each is refused
 * with a problem and changes nothing.
 */
describe('request limits end to end through the gateway (Kafka + PostgreSQL)', () => {
  const { call, api, system, token } = useE2eSystem('e2e_limits');
  const storeName = uniqueName('limits');

  /** Raw bytes to the gateway; the whole answer (the server closes the connection). */
  const raw = (bytes: Buffer) =>
    new Promise<string>((resolve, reject) => {
      const { port } = new URL(system().url);
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(bytes));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.on('error', reject);
    });

  it('sets up a store', async () => {
    expect((await call('POST', api(''), { name: storeName, description: 'before' })).status).toBe(201);
  });

  it('refuses attributes nested 10,000 levels deep with 400 and creates no user (was a 500)', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const answer = await call(
      'POST',
      api(`/${storeName}/users`),
      `{"extId":"deep","attributes":{"x":${deep}}}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'body', message: 'nested deeper than 64 levels' }],
    });
    expect((await call('GET', api(`/${storeName}/users`))).body.totalElements).toBe(0);
  });

  it('refuses a JSON body sent as text/plain with 415 and changes nothing (it was 200, the body ignored)', async () => {
    const answer = await call(
      'POST',
      api(`/${storeName}`),
      JSON.stringify({ description: 'after' }),
      token(),
      {
        'content-type': 'text/plain',
      },
    );
    expect(answer.status).toBe(415);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect((await call('GET', api(`/${storeName}`))).body.description).toBe('before');
  });

  it('answers a body over 256 kB with 413 CONTENT_TOO_LARGE', async () => {
    const answer = await call(
      'POST',
      api(`/${storeName}`),
      JSON.stringify({ description: 'x'.repeat(300_000) }),
    );
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ status: 413, code: 'CONTENT_TOO_LARGE' });
  });

  it('answers requests HTTP refuses with problems: a non-ASCII request target (400), 20 kB of path (431)', async () => {
    const nonAscii = await raw(
      Buffer.concat([
        Buffer.from(`GET /api/identity-store/stores/caf`),
        Buffer.from([0xe9]),
        Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token()}\r\n\r\n`),
      ]),
    );
    expect(nonAscii).toMatch(/^HTTP\/1\.1 400 .*\r\ncontent-type: application\/problem\+json\r\n/is);
    expect(nonAscii).toContain('"code":"MALFORMED_REQUEST"');
    const long = await raw(
      Buffer.from(`GET /api/identity-store/stores/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    );
    expect(long).toMatch(/^HTTP\/1\.1 431 /);
    expect(long).toContain('"code":"HEADERS_TOO_LARGE"');
  });
});
