import type { Request } from 'express';
import { z } from 'zod';
import { fieldErrorsOf, HttpProblem } from './problem';

export interface RequestSchemas<P extends z.ZodTypeAny, Q extends z.ZodTypeAny, B extends z.ZodTypeAny> {
  params?: P;
  query?: Q;
  body?: B;
}

export interface ValidRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/**
 * Validates params, query and body together so the answer names every bad field at once
 * (`params.policyName`, `body.code`, ...). Nothing is done with a request that fails.
 */
export const validate = <
  P extends z.ZodTypeAny = z.ZodUnknown,
  Q extends z.ZodTypeAny = z.ZodUnknown,
  B extends z.ZodTypeAny = z.ZodUnknown,
>(
  req: Request,
  schemas: RequestSchemas<P, Q, B>,
): ValidRequest<z.output<P>, z.output<Q>, z.output<B>> => {
  const errors = [];
  const out: Record<string, unknown> = {};
  for (const location of ['params', 'query', 'body'] as const) {
    const schema = schemas[location];
    if (!schema) {
      out[location] = req[location];
      continue;
    }
    const value = location === 'body' && req.body === undefined ? {} : req[location];
    const parsed = schema.safeParse(value);
    if (parsed.success) out[location] = parsed.data;
    else errors.push(...fieldErrorsOf(parsed.error, location));
  }
  if (errors.length)
    throw new HttpProblem(400, 'VALIDATION_FAILED', `The request has ${errors.length} invalid field(s).`, errors);
  return out as unknown as ValidRequest<z.output<P>, z.output<Q>, z.output<B>>;
};
