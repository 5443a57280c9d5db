import { DomainError, type DomainErrorKind, type FieldError } from '@identity-store/contracts';
import type { ErrorRequestHandler, Response } from 'express';
import type { z } from 'zod';

/** RFC 9457 problem details, as every error of the API is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  423: 'Locked',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const statusOfKind: Record<DomainErrorKind, number> = {
  validation: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'precondition-failed': 412,
  locked: 423,
};

/** An error that is answered as a problem with this status. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export const problem = (
  status: number,
  code: string,
  detail: string,
  errors?: FieldError[],
  extensions: Record<string, unknown> = {},
): Problem => ({
  type: `https://identity-store.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
  title: titles[status] ?? 'Error',
  status,
  detail,
  code,
  ...(errors?.length ? { errors } : {}),
  ...extensions,
});

export const sendProblem = (res: Response, body: Problem): void => {
  // A problem that says when to retry says it in the header too (RFC 9110 §10.2.3).
  if (typeof body.retryAfterSeconds === 'number')
    res.setHeader('Retry-After', String(body.retryAfterSeconds));
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
};

/** `body.name: Required` style field errors from a zod error, with a location prefix. */
export const fieldErrorsOf = (error: z.ZodError, location?: string): FieldError[] =>
  error.issues.map((issue) => ({
    path: [location, ...issue.path.map(String)].filter(Boolean).join('.') || (location ?? '(root)'),
    message: issue.message,
  }));

/** Seconds a client should wait before retrying a write that lost to concurrent writes. */
export const CONCURRENT_MODIFICATION_RETRY_AFTER_SECONDS = 1;

/**
 * The event store's errors, recognised by name: this kit does not depend on the event store (and
 * a service may bundle its own copy of it). Reaching the handler means the service did not map
 * them itself (review L7): a decision that kept losing its optimistic-concurrency race, or a unique
 * key the service has no specific answer for. Both are conflicts with the current state, not 500s.
 */
const eventStoreProblem = (error: unknown): Problem | undefined => {
  const name = error instanceof Error ? error.name : undefined;
  if (name === 'ExpectedVersionConflictError')
    return problem(
      409,
      'CONCURRENT_MODIFICATION',
      'The resource was changed by concurrent requests; retry the request.',
      undefined,
      { retryAfterSeconds: CONCURRENT_MODIFICATION_RETRY_AFTER_SECONDS },
    );
  if (name === 'UniqueKeyTakenError')
    return problem(409, 'ALREADY_EXISTS', 'A value of the request that must be unique is already taken.');
  return undefined;
};

/** 415: request bodies are JSON in UTF-8 (`application/json` or `application/*+json`), nothing else. */
export const unsupportedMediaType = (reason: string): HttpProblem =>
  new HttpProblem(415, 'UNSUPPORTED_MEDIA_TYPE', `Request bodies must be JSON in UTF-8: ${reason}.`, [
    { path: 'headers.content-type', message: 'must be application/json (UTF-8)' },
  ]);

/** Seconds a client should wait before retrying a 503 (a dependency that is restarting, a dropped connection). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/**
 * SQLSTATEs of a database connection that failed or was ended from outside: class 08 (connection
 * exception), 57P01–57P03 (administrator or crash shutdown, cannot connect now), 53300 (too many
 * connections). On node-postgres errors as `code`; on Prisma's driver-adapter errors as `cause.originalCode`.
 */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;
/** node-postgres's own connection-loss errors (no SQLSTATE: the socket closed or never opened). */
const CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;
const SOCKET_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
/** Prisma driver-adapter kinds of the same conditions. */
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'TooManyConnections', 'ConnectionClosed', 'SocketTimeout']);

/**
 * Whether an error says the service's database could not be used (its connection was terminated,
 * refused or lost) rather than that the request or the code is wrong: the request can be retried.
 * Errors of HTTP calls to other services (fetch's TypeError, with the socket error as its cause)
 * are not this.
 */
export const isDatabaseUnavailable = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  const adapter = (typeof cause === 'object' && cause !== null ? cause : {}) as { originalCode?: unknown; kind?: unknown };
  const sqlstate = typeof code === 'string' ? code : typeof adapter.originalCode === 'string' ? adapter.originalCode : '';
  return (
    UNAVAILABLE_SQLSTATE.test(sqlstate) ||
    SOCKET_FAILURES.has(sqlstate) ||
    (typeof adapter.kind === 'string' && UNAVAILABLE_KINDS.has(adapter.kind)) ||
    (typeof message === 'string' && CONNECTION_LOST.test(message))
  );
};

export const toProblem = (error: unknown): Problem | undefined => {
  const fromEventStore = eventStoreProblem(error);
  if (fromEventStore) return fromEventStore;
  if (error instanceof HttpProblem)
    return problem(error.status, error.code, error.message, error.errors, error.extensions);
  if (error instanceof DomainError)
    return problem(statusOfKind[error.kind], error.code, error.message, error.errors, error.extensions);
  const { status, type, limit } = error as { status?: number; type?: string; limit?: number };
  // body-parser: malformed JSON, too large, wrong charset or encoding.
  if (type === 'entity.parse.failed')
    return problem(400, 'MALFORMED_JSON', 'The request body is not valid JSON.', [
      { path: 'body', message: 'malformed JSON' },
    ]);
  if (type === 'entity.too.large')
    return problem(
      413,
      'CONTENT_TOO_LARGE',
      `The request body is larger than ${limit ?? 'the limit of'} bytes.`,
      [{ path: 'body', message: `at most ${limit ?? 'the limit of'} bytes` }],
    );
  if (type === 'charset.unsupported' || type === 'encoding.unsupported')
    return toProblem(unsupportedMediaType((error as Error).message));
  // Express: a path parameter that is not percent-encoded UTF-8 ("Failed to decode param").
  if (error instanceof URIError && status === 400)
    return problem(400, 'MALFORMED_REQUEST', 'The path is not valid percent-encoded UTF-8.', [
      { path: 'path', message: 'malformed percent-encoding' },
    ]);
  // body-parser, other failures to read the body: a Content-Encoding it does not have, a broken stream.
  if (status === 400 && type === undefined && 'expose' in (error as object))
    return problem(
      400,
      'MALFORMED_BODY',
      'The request body could not be read (is its Content-Encoding right?).',
      [{ path: 'body', message: 'could not be read' }],
    );
  if (typeof status === 'number' && status >= 400 && status < 500)
    return problem(status, 'BAD_REQUEST', (error as Error).message);
  if (isDatabaseUnavailable(error))
    return problem(503, 'DATABASE_UNAVAILABLE', 'The database is unavailable for the moment; retry the request.', undefined, {
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
    });
  return undefined;
};

/** The last middleware of every app: problems as RFC 9457, anything else as a logged 500. */
export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const known = toProblem(error);
  if (known?.status === 503) req.log?.warn({ err: error }, 'a dependency is unavailable');
  if (known) return sendProblem(res, known);
  req.log?.error({ err: error }, 'unhandled error');
  sendProblem(res, problem(500, 'INTERNAL_ERROR', 'An unexpected error occurred.'));
};
