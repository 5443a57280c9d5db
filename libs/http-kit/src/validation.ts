import type { FieldError } from '@identity-store/contracts';
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
 * A NUL character or an unpaired UTF-16 surrogate: valid in a JSON string, but not storable —
 * PostgreSQL's text and jsonb refuse both ("\u0000 cannot be converted to text", "Unicode low
 * surrogate must follow a high surrogate"). Linear: no quantifiers.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE_CHARACTER = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_CHARACTERS = new RegExp(UNSTORABLE_CHARACTER.source, 'g');
const UNSTORABLE_MESSAGE = 'must not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates';
/** Enough to point at the problem without answering a body of errors for a body of NULs. */
const MAX_TEXT_ERRORS = 20;

/** A path segment as the problem names it (the offending characters replaced by U+FFFD). */
const readable = (segment: string) => segment.replace(UNSTORABLE_CHARACTERS, '\uFFFD');

/**
 * Every string (object keys included) under `value` that holds a character PostgreSQL cannot store,
 * named by its path (`body.context.ip`; a bad key names the key). Iterative, so deep nesting cannot
 * overflow the stack.
 */
export const unstorableTextErrors = (value: unknown, location: string): FieldError[] => {
  const errors: FieldError[] = [];
  const pending: Array<{ value: unknown; path: string }> = [{ value, path: location }];
  for (let next = pending.pop(); next && errors.length < MAX_TEXT_ERRORS; next = pending.pop()) {
    const { value: current, path } = next;
    if (typeof current === 'string') {
      if (UNSTORABLE_CHARACTER.test(current)) errors.push({ path, message: UNSTORABLE_MESSAGE });
    } else if (typeof current === 'object' && current !== null) {
      const children: Array<{ value: unknown; path: string }> = [];
      for (const [key, item] of Object.entries(current)) {
        const childPath = `${path}.${readable(key)}`;
        if (UNSTORABLE_CHARACTER.test(key)) errors.push({ path: childPath, message: `key ${UNSTORABLE_MESSAGE}` });
        else children.push({ value: item, path: childPath });
      }
      // Reversed onto the stack, so errors come in document order.
      for (const child of children.reverse()) pending.push(child);
    }
  }
  return errors;
};

/**
 * Validates params, query and body together so the answer names every bad field at once
 * (`params.policyName`, `body.code`, ...). Nothing is done with a request that fails. Every
 * validated location is also checked for text PostgreSQL cannot store (NUL, unpaired surrogates;
 * review L7), so no route can turn such a request into a 500.
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
    errors.push(...unstorableTextErrors(value, location));
    const parsed = schema.safeParse(value);
    if (parsed.success) out[location] = parsed.data;
    else errors.push(...fieldErrorsOf(parsed.error, location));
  }
  if (errors.length)
    throw new HttpProblem(
      400,
      'VALIDATION_FAILED',
      `The request has ${errors.length} invalid field(s).`,
      errors,
    );
  return out as unknown as ValidRequest<z.output<P>, z.output<Q>, z.output<B>>;
};
