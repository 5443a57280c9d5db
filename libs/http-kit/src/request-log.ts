import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from './logger';

export const CORRELATION_HEADER = 'x-correlation-id';
export const REQUEST_ID_HEADER = 'x-request-id';

declare module 'express-serve-static-core' {
  interface Request {
    /** Correlation id of the whole interaction (propagated to events and downstream calls). */
    correlationId: string;
    requestId: string;
  }
}

declare module 'node:http' {
  interface IncomingMessage {
    /** A logger bound to this request's ids (made on first use) and to the app answering it. */
    log: Logger;
  }
}

/**
 * Set on a request by the first app of this process that received it (its RequestLogging). An app
 * the gateway calls in-process (embedded layout) gets the same request object: the ids, the
 * completion log line, the parsed body and the request context are already there and are not made
 * twice. Only code of this process can set a symbol property, so no client can claim it.
 */
const RECEIVED = Symbol('identity-store.request-received');
type Received = Request & { [RECEIVED]?: object };

/**
 * At most `perSecond` successful requests a second are logged at info; under more load the others
 * are not (they are at debug level, when that is enabled). 4xx and 5xx answers are always logged.
 */
export class SuccessSampler {
  private second = 0;
  private used = 0;
  constructor(
    private readonly perSecond: number,
    private readonly nowMs: () => number = Date.now,
  ) {}
  take(): boolean {
    const second = Math.floor(this.nowMs() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.used = 0;
    }
    return this.used++ < this.perSecond;
  }
}

/** Default sample of successful requests logged at info per second and app. */
export const SUCCESS_LOGS_PER_SECOND = 10;

const VALID_CORRELATION = /^[\w.:-]{1,128}$/;

/** `req.log`, made only when a handler logs (most requests never do). */
const bindLog = (req: Request, logger: Logger) => {
  Object.defineProperty(req, 'log', {
    configurable: true,
    enumerable: false,
    get() {
      const child = logger.child({ reqId: req.requestId, correlationId: req.correlationId });
      Object.defineProperty(req, 'log', { configurable: true, enumerable: false, writable: true, value: child });
      return child;
    },
  });
};

/** Paths whose successful answers are not logged (probes would drown everything else). */
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Request and correlation ids (answered in `x-request-id` / `x-correlation-id`), `req.log`, and one
 * log line per request once it is answered: 5xx at error, 4xx at warn, an aborted request at warn,
 * successes at info as sampled (see SuccessSampler), all of them at debug. No per-request child
 * logger unless a handler asks for `req.log`. On an in-process call (see RECEIVED) it only rebinds
 * `req.log` to this app's logger.
 */
export class RequestLogging {
  private readonly sampler: SuccessSampler;
  constructor(
    private readonly logger: Logger,
    successesPerSecond = SUCCESS_LOGS_PER_SECOND,
  ) {
    this.sampler = new SuccessSampler(successesPerSecond);
  }

  /** Whether another app of this process received the request and called this one in-process. */
  calledInProcess(req: Request): boolean {
    const first = (req as Received)[RECEIVED];
    return first !== undefined && first !== this;
  }

  readonly handler: RequestHandler = (req, res, next) => {
    bindLog(req, this.logger);
    if ((req as Received)[RECEIVED] !== undefined) return next();
    (req as Received)[RECEIVED] = this;
    req.requestId = randomUUID();
    const incoming = req.headers[CORRELATION_HEADER];
    req.correlationId = typeof incoming === 'string' && VALID_CORRELATION.test(incoming) ? incoming : req.requestId;
    res.setHeader(REQUEST_ID_HEADER, req.requestId);
    res.setHeader(CORRELATION_HEADER, req.correlationId);
    const started = performance.now();
    res.once('close', () => logCompletion(this.logger, this.sampler, req, res, performance.now() - started));
    next();
  };
}

/** The level of a request's line, or undefined when it is not logged. */
const levelOf = (logger: Logger, sampler: SuccessSampler, req: Request, res: Response) => {
  if (res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400 || !res.writableFinished) return 'warn';
  if (!QUIET_PATHS.has(req.originalUrl) && logger.isLevelEnabled('info') && sampler.take()) return 'info';
  return 'debug';
};

const logCompletion = (logger: Logger, sampler: SuccessSampler, req: Request, res: Response, ms: number) => {
  const level = levelOf(logger, sampler, req, res);
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      reqId: req.requestId,
      correlationId: req.correlationId,
      req: { method: req.method, url: req.originalUrl },
      res: { statusCode: res.statusCode },
      responseTime: Math.round(ms * 10) / 10,
    },
    res.writableFinished ? 'request completed' : 'request aborted',
  );
};
