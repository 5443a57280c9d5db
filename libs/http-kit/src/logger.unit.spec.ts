import { Writable } from 'node:stream';
import request from 'supertest';
import { createLogger } from './logger';
import { Router, SuccessSampler } from './index';
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
  privateKey: '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----',
  encryptedPrivateKey: 'v2.0.aXYxMjM0NTY3ODkw.Y2lwaGVydGV4dC1hbmQtdGFn',
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
    logger.info({ req: { body: { fcmConfig: { privateKey: SECRETS.privateKey } } } }, 'a push policy body');
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

describe('request logs', () => {
  const linesOf = (output: string) =>
    output
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>);
  const completions = (output: string) => linesOf(output).filter((line) => /^request (completed|aborted)$/.test(line.msg));

  const appWith = (level: string, successLogsPerSecond?: number) => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('request-log-test', level, destination);
    const router = Router();
    router.get('/ok', (_req, res) => void res.json({ ok: true }));
    router.get('/missing', (_req, res) => void res.status(404).json({ missing: true }));
    router.get('/boom', () => {
      throw new Error('boom');
    });
    const app = createServiceApp({ name: 'test', logger, routers: [router], operationalEndpoints: false, successLogsPerSecond });
    return { app, output: () => lines.join('') };
  };

  it('logs one line per request when it is answered, 4xx at warn and 5xx at error, with its ids', async () => {
    const { app, output } = appWith('info', 0);
    const missing = await request(app).get('/missing').set('x-correlation-id', 'corr-1');
    const boom = await request(app).get('/boom');
    const lines = completions(output());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 40,
      reqId: missing.headers['x-request-id'],
      correlationId: 'corr-1',
      req: { method: 'GET', url: '/missing' },
      res: { statusCode: 404 },
    });
    expect(lines[1]).toMatchObject({ level: 50, reqId: boom.headers['x-request-id'], res: { statusCode: 500 } });
    expect(typeof lines[0]!.responseTime).toBe('number');
  });

  it('at info, successful requests beyond the sample are not logged; at debug every one is', async () => {
    const info = appWith('info', 0);
    for (let i = 0; i < 5; i++) await request(info.app).get('/ok').expect(200);
    expect(completions(info.output())).toHaveLength(0);

    const debug = appWith('debug', 0);
    for (let i = 0; i < 5; i++) await request(debug.app).get('/ok').expect(200);
    const lines = completions(debug.output());
    expect(lines).toHaveLength(5);
    expect(lines.every((line) => line.level === 20 && line.res.statusCode === 200)).toBe(true);
  });

  it('logs sampled successes at info', async () => {
    const { app, output } = appWith('info', 1000);
    await request(app).get('/ok').expect(200);
    expect(completions(output())).toEqual([expect.objectContaining({ level: 30, res: { statusCode: 200 } })]);
  });

  it('an app called in-process by another logs the request once, and its handlers log with its own logger and the same ids', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const root = createLogger('in-process-test', 'info', destination);
    const inner = Router();
    inner.get('/inner', (req, res) => {
      req.log.warn('from the inner handler');
      res.status(409).json({ conflict: true });
    });
    const innerApp = createServiceApp({
      name: 'inner',
      logger: root.child({ service: 'inner' }),
      routers: [inner],
      operationalEndpoints: false,
    });
    const outer = Router();
    outer.get('/inner', (req, res, next) => void innerApp(req, res, next));
    const outerApp = createServiceApp({
      name: 'outer',
      logger: root.child({ service: 'outer' }),
      routers: [outer],
      operationalEndpoints: false,
    });
    const answer = await request(outerApp).get('/inner').expect(409);
    const logged = linesOf(lines.join(''));
    const requestLines = completions(lines.join(''));
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ service: 'outer', reqId: answer.headers['x-request-id'] });
    expect(logged.find((line) => line.msg === 'from the inner handler')).toMatchObject({
      service: 'inner',
      reqId: answer.headers['x-request-id'],
    });
  });
});

describe('SuccessSampler', () => {
  it('lets through at most its budget per second', () => {
    let now = 10_000;
    const sampler = new SuccessSampler(3, () => now);
    expect(Array.from({ length: 5 }, () => sampler.take())).toEqual([true, true, true, false, false]);
    now += 999;
    expect(sampler.take()).toBe(false);
    now += 1;
    expect(Array.from({ length: 4 }, () => sampler.take())).toEqual([true, true, true, false]);
  });
});
