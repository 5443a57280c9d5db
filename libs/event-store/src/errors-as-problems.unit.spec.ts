import { problemHandler, type Request, type Response } from '@identity-store/http-kit';
import { ExpectedVersionConflictError, UniqueKeyTakenError } from './errors';

/*
 * How every service answers the event store's errors when it did not map them itself: http-kit's
 * problemHandler, which recognises them by name (it may not depend on the event store), tested here
 * with the real error classes.
 */

/** What problemHandler answered: status, headers and the JSON body. */
const answerTo = (error: unknown) => {
  const headers: Record<string, string> = {};
  const answer = { status: 0, headers, body: undefined as Record<string, unknown> | undefined };
  const res = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = value;
      return res;
    },
    status: (status: number) => {
      answer.status = status;
      return res;
    },
    type: (type: string) => {
      headers['content-type'] = type;
      return res;
    },
    send: (body: string) => {
      answer.body = JSON.parse(body) as Record<string, unknown>;
      return res;
    },
  };
  const req = { log: { error: jest.fn() } };
  problemHandler(error, req as unknown as Request, res as unknown as Response, jest.fn());
  return { ...answer, logged: req.log.error.mock.calls.length > 0 };
};

/** Review L7: contention and unmapped unique keys are conflicts, not 500s. */
describe('problemHandler: event-store errors a service did not map', () => {
  it('answers an optimistic-concurrency conflict that outlived its retries with 409 and Retry-After', () => {
    const answer = answerTo(new ExpectedVersionConflictError('user-1', 3));
    expect(answer.status).toBe(409);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status: 409, code: 'CONCURRENT_MODIFICATION', retryAfterSeconds: 1 });
    expect(JSON.stringify(answer.body)).not.toContain('user-1');
    expect(answer.logged).toBe(false);
  });

  it('answers an unmapped unique key with 409 ALREADY_EXISTS, without naming the key', () => {
    const answer = answerTo(new UniqueKeyTakenError('passcode-session', 'store-1/secret-session-id'));
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ status: 409, code: 'ALREADY_EXISTS' });
    expect(JSON.stringify(answer.body)).not.toContain('secret-session-id');
    expect(answer.headers['retry-after']).toBeUndefined();
  });

  it('still answers anything else unknown with a logged, generic 500', () => {
    const answer = answerTo(new Error('database exploded at 10.0.0.7'));
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(answer.body)).not.toContain('10.0.0.7');
    expect(answer.logged).toBe(true);
  });
});
