import type { Request } from 'express';
import { z } from 'zod';
import { HttpProblem } from './problem';
import { unstorableTextErrors, validate } from './validation';

const requestOf = (parts: { params?: unknown; query?: unknown; body?: unknown }) =>
  ({ params: {}, query: {}, ...parts }) as unknown as Request;

/** The problem validate() threw, or undefined when it accepted the request. */
const problemOf = (run: () => unknown): HttpProblem | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    return error as HttpProblem;
  }
};

const MESSAGE = 'must not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates';

/** Review L7: text PostgreSQL cannot store is a 400 naming the field, in every validated location. */
describe('validate: unstorable text', () => {
  const schemas = {
    params: z.object({ userId: z.string() }),
    query: z.object({ sort: z.string().optional() }),
    body: z.object({ code: z.string(), context: z.record(z.string(), z.unknown()).optional() }),
  };

  it.each([
    ['a NUL in a nested body value', { context: { device: { name: 'a\u0000b' } } }, 'body.context.device.name'],
    ['a NUL in an array item', { context: { list: ['ok', '\u0000'] } }, 'body.context.list.1'],
    ['a lone high surrogate', { context: { note: 'x\uD800' } }, 'body.context.note'],
    ['a lone low surrogate', { context: { note: '\uDC00x' } }, 'body.context.note'],
    ['a NUL in a key', { context: { 'k\u0000': 1 } }, 'body.context.k\uFFFD'],
  ])('%s → 400 naming the field', (_label, extra, path) => {
    const problem = problemOf(() => validate(requestOf({ params: { userId: 'u' }, body: { code: '123456', ...extra } }), schemas));
    expect(problem?.status).toBe(400);
    expect(problem?.code).toBe('VALIDATION_FAILED');
    expect(problem?.errors).toEqual([{ path, message: path.includes('\uFFFD') ? `key ${MESSAGE}` : MESSAGE }]);
  });

  it('checks path parameters and query values too, with the schema errors, all at once', () => {
    const problem = problemOf(() =>
      validate(requestOf({ params: { userId: 'u\u0000' }, query: { sort: '\u0000' }, body: { code: 1 } }), schemas),
    );
    expect(problem?.errors?.map((e) => e.path)).toEqual(['params.userId', 'query.sort', 'body.code']);
  });

  it('accepts well-formed text: surrogate pairs (emoji), other control characters', () => {
    const request = requestOf({ params: { userId: 'u' }, body: { code: '1', context: { emoji: '😀', tab: 'a\tb\u0001' } } });
    expect(validate(request, schemas).body.context).toEqual({ emoji: '😀', tab: 'a\tb\u0001' });
  });

  it('walks deep nesting without recursion and reports at most 20 fields', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableTextErrors(deep, 'body')).toHaveLength(1);
    expect(unstorableTextErrors(Array.from({ length: 1000 }, () => '\u0000'), 'body')).toHaveLength(20);
  });
});
