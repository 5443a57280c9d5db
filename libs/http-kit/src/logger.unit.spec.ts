import { Writable } from 'node:stream';
import request from 'supertest';
import { createLogger } from './logger';
import { Router } from './index';
import { createServiceApp } from './service-app';

/** A logger at `trace` whose lines this test reads. */
const capturingLogger = () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('redaction-test', 'trace', destination), output: () => lines.join('') };
};

/** Values a request may carry that no log may show. */
const SECRETS = {
  code: '492039',
  secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  verifier: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  salt: '00112233445566778899aabbccddeeff',
  token: 'eyJhbGciOiJIUzI1NiJ9.payload.signature',
  passcode: 'correct horse battery staple',
};
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.bearer-payload.bearer-signature';
const API_KEY = 'isk_admin_0123456789abcdefghijklmnop';

const expectNoSecret = (output: string) => {
  for (const value of [...Object.values(SECRETS), BEARER, API_KEY]) expect(output).not.toContain(value);
  expect(output).toContain('[redacted]');
};

describe('log redaction (pino)', () => {
  it('redacts secrets at the top level, in nested objects and in arrays', () => {
    const { logger, output } = capturingLogger();
    logger.info({ ...SECRETS }, 'top level');
    logger.info({ req: { body: { ...SECRETS } } }, 'a request body');
    logger.info({ err: { body: { credentials: [{ ...SECRETS }] } } }, 'deep inside an error');
    logger.info({ data: { user: { totp: { secret: SECRETS.secret } } } }, 'four levels down');
    expectNoSecret(output());
    expect(output().match(/\[redacted\]/g)!.length).toBeGreaterThanOrEqual(19);
  });

  it('a service request carrying a TOTP code, secret, verifier, salt and tokens logs none of them', async () => {
    const { logger, output } = capturingLogger();
    const router = Router();
    router.post('/echo', (req, res) => {
      // What a careless handler might do: log the body.
      req.log.info({ body: req.body }, 'got a body');
      res.json({ ok: true });
    });
    router.post('/boom', (req) => {
      // An unexpected error that carries the request body: logged by the problem handler.
      throw Object.assign(new Error('boom'), { body: req.body });
    });
    const app = createServiceApp({ name: 'test', logger, routers: [router], operationalEndpoints: false });

    for (const path of ['/echo', '/boom'])
      await request(app)
        .post(path)
        .set('authorization', `Bearer ${BEARER}`)
        .set('x-api-key', API_KEY)
        .send({ ...SECRETS, context: { nested: { salt: SECRETS.salt } } });
    await request(app)
      .post('/echo')
      .set('content-type', 'application/json')
      .send(`{"code": "${SECRETS.code}", "secret": "${SECRETS.secret}"`); // malformed JSON

    const logged = output();
    expect(logged).toContain('got a body');
    expect(logged).toContain('unhandled error');
    expectNoSecret(logged);
  });
});
