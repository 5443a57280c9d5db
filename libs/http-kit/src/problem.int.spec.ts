import { createTestDatabase } from '@identity-store/testing';
import { Pool } from 'pg';
import request from 'supertest';
import { createLogger } from './logger';
import { Router } from './index';
import { createServiceApp } from './service-app';

/**
 * A request whose database connection fails (an administrator's pg_terminate_backend, a failover,
 * a server that refuses connections) changed nothing the client can rely on: the answer is 503 with
 * Retry-After, so clients retry, rather than a 500 (real PostgreSQL, real node-postgres errors).
 */
describe('answers when the database connection fails (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let refused: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('problem_db_unavailable');
    pool = new Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined);
    // Nothing listens on port 1: connecting is refused.
    refused = new Pool({ connectionString: 'postgresql://postgres@127.0.0.1:1/none', max: 1 });
  });
  afterAll(async () => {
    await pool.end();
    await refused.end();
    await db.drop();
  });

  const app = () => {
    const router = Router();
    router.get('/terminated', async () => {
      await pool.query('SELECT pg_terminate_backend(pg_backend_pid())');
    });
    router.get('/refused', async () => {
      await refused.query('SELECT 1');
    });
    router.get('/broken', async () => {
      throw new Error('a bug');
    });
    return createServiceApp({ name: 'test', logger: createLogger('test', 'silent'), routers: [router] });
  };

  it('is 503 with Retry-After when the server terminates the connection', async () => {
    const answer = await request(app()).get('/terminated');
    expect([answer.status, answer.headers['retry-after'], answer.body.code]).toEqual([
      503,
      '1',
      'DATABASE_UNAVAILABLE',
    ]);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('is 503 with Retry-After when the server refuses connections', async () => {
    const answer = await request(app()).get('/refused');
    expect([answer.status, answer.headers['retry-after'], answer.body.code]).toEqual([
      503,
      '1',
      'DATABASE_UNAVAILABLE',
    ]);
  });

  it('stays 500 without Retry-After for any other error', async () => {
    const answer = await request(app()).get('/broken');
    expect([answer.status, answer.headers['retry-after'], answer.body.code]).toEqual([
      500,
      undefined,
      'INTERNAL_ERROR',
    ]);
  });
});
