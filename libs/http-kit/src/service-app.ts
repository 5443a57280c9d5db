import type { KeyObject } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServiceName } from '@identity-store/contracts';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { authorizeOperations, GrantVerifier, sharedRoutes } from './grants';
import { requireInternalToken } from './internal-tokens';
import type { Logger } from './logger';
import { HttpProblem, problem, problemHandler, sendProblem, unsupportedMediaType } from './problem';
import { type ConsistencyGate, honourConsistencyTokens } from './consistency-token';
import { requestContext } from './request-context';
import { RequestLogging } from './request-log';

export { CORRELATION_HEADER, REQUEST_ID_HEADER } from './request-log';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/**
 * Who a service trusts (see grants.ts and internal-tokens.ts). Without keys (embedded default) it
 * accepts in-process grants only and refuses every `/internal/*` call.
 */
export interface ServiceTrust {
  /** Public key of the gateway's grants (GATEWAY_VERIFY_KEY): accepts signed grants over HTTP. */
  gatewayVerifyKey?: KeyObject;
  /** Key of service-to-service tokens (INTERNAL_TOKEN_KEY): opens `/internal/*` to the other services. */
  internalTokenKey?: Uint8Array;
}

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  routers: Router[];
  readiness?: ReadinessCheck[];
  /** A registry shared by all apps of one process (embedded default); one per app otherwise. */
  metrics?: Registry;
  /**
   * Mount /healthz and /readyz on the public app (false when another app of the process already
   * does). /metrics and detailed readiness are on the admin app only.
   */
  operationalEndpoints?: boolean;
  /**
   * A service of the trust boundary: every `/api/identity-store/**` request needs the gateway's
   * grant for this service and every `/internal/*` request a service token. Absent for the gateway
   * itself (and test stubs).
   */
  trust?: ServiceTrust & { service: ServiceName };
  /** Routes of the admin listener only (e.g. the audit's projection rebuild). */
  adminRouters?: Router[];
  jsonLimit?: string;
  /** Successful requests logged at info per second (default 10; the rest at debug); 4xx/5xx always. */
  successLogsPerSecond?: number;
  /**
   * Handlers that run before request bodies are parsed — authentication, so that a request without
   * valid credentials is 401 whatever its body — and routes that need no body.
   */
  beforeBody?: Array<RequestHandler | Router>;
  /**
   * Where reads wait for the writes their `Consistency-Token` names (see consistency-token.ts):
   * every service whose answers show the audit projection (summaryInfo, audits).
   */
  consistency?: ConsistencyGate;
}

const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/**
 * A body that is not JSON is refused (415), not ignored: express.json leaves it unparsed, and a route
 * would take it as an empty body (an update that changes nothing, or "every field missing"). OWASP's
 * REST guidance: reject unexpected content types with 415.
 */
const hasBody = (req: { headers: Record<string, string | string[] | undefined> }) => {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
};

/**
 * The JSON body, parsed only when there is one (a GET, HEAD or DELETE without content skips the
 * parser), refused when it is not JSON (415) or nests too deep (400). On an in-process call the
 * calling app (the gateway) already did all of it.
 */
const jsonBodies = (limit: string, logging: RequestLogging): RequestHandler => {
  const parsers = new Map<string, RequestHandler>();
  const parserFor = (size: string) => {
    let parser = parsers.get(size);
    if (!parser) parsers.set(size, (parser = express.json({ limit: size, type: JSON_MEDIA_TYPES })));
    return parser;
  };
  // An operation that takes larger bodies (a face image) says so in the table; any other: `limit`.
  const parse: RequestHandler = (req, res, next) =>
    parserFor(sharedRoutes.match(req.method, req.path)?.operation.bodyLimit ?? limit)(req, res, next);
  const checked: RequestHandler = (req, res, next) => {
    if (!req.is(JSON_MEDIA_TYPES))
      return next(
        unsupportedMediaType(
          `got ${req.headers['content-type'] ? `"${req.headers['content-type']}"` : 'no Content-Type'}`,
        ),
      );
    parse(req, res, (error?: unknown) => (error ? next(error) : boundedDepth(req, res, next)));
  };
  return (req, res, next) => {
    if (logging.calledInProcess(req) || !hasBody(req)) return next();
    checked(req, res, next);
  };
};

/**
 * How deep a JSON body may nest. No contract shape nests more than a few levels; free-form objects
 * (`attributes`, `context`, `attributeSchema`) get the rest. V8's JSON.stringify (events, outbox
 * rows, logs) overflows its stack a few thousand levels down, and so may consumers of the events:
 * a body is refused long before (Jackson's StreamReadConstraints bound nesting the same way, at 1000).
 */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `limit`, without recursion (10,000 levels must not overflow here). */
const depthExceeds = (value: unknown, limit: number): boolean => {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
};

const boundedDepth: RequestHandler = (req, _res, next) => {
  if (req.body === null || typeof req.body !== 'object') return next();
  if (depthExceeds(req.body, MAX_JSON_DEPTH))
    return next(
      new HttpProblem(
        400,
        'VALIDATION_FAILED',
        `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`,
        [{ path: 'body', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
      ),
    );
  next();
};

const histograms = new WeakMap<Registry, Histogram<'service' | 'method' | 'status'>>();
const requestDuration = (registry: Registry) => {
  let histogram = histograms.get(registry);
  if (!histogram) {
    histogram = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by service, method and status',
      labelNames: ['service', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    histograms.set(registry, histogram);
  }
  return histogram;
};

export const createMetricsRegistry = (): Registry => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
};

const runChecks = async (checks: ReadinessCheck[]) =>
  Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await check();
        return { name, up: true, detail: 'UP' };
      } catch (error) {
        return { name, up: false, detail: `DOWN: ${(error as Error).message}` };
      }
    }),
  );

const newApp = (): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Strict and case-sensitive like every router (see router.ts).
  app.set('strict routing', true);
  app.set('case sensitive routing', true);
  return app;
};

const endRoutes = (app: Express) => {
  app.use((req, res) => {
    sendProblem(res, problem(404, 'ROUTE_NOT_FOUND', `No operation ${req.method} ${req.path}.`));
  });
  app.use(problemHandler);
};

export interface AdminAppOptions {
  name: string;
  logger: Logger;
  metrics: Registry;
  readiness?: ReadinessCheck[];
  routers?: Router[];
}

/**
 * The admin listener of a process (ADMIN_PORT, loopback by default): /metrics, /readyz with each
 * check's error message, /healthz, and operator routes such as the projection rebuild. Like
 * Keycloak's management interface, it is never the public port.
 */
export const createAdminApp = (options: AdminAppOptions): Express => {
  const app = newApp();
  // Only the ids of logged lines: successes are at debug (scrapes and probes), failures logged.
  app.use(new RequestLogging(options.logger, 0).handler);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'UP' });
  });
  app.get('/readyz', async (_req, res) => {
    const results = await runChecks(options.readiness ?? []);
    const down = results.some((result) => !result.up);
    res.status(down ? 503 : 200).json({
      status: down ? 'DOWN' : 'UP',
      checks: Object.fromEntries(results.map((result) => [result.name, result.detail])),
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.contentType).send(await options.metrics.metrics());
  });
  app.use(express.json({ limit: '16kb' }));
  for (const router of options.routers ?? []) app.use(router);
  endRoutes(app);
  return app;
};

/** A service's public app and its admin app (see createAdminApp). */
export interface ServiceApps {
  app: Express;
  admin: Express;
}

/**
 * The Express app every service is: JSON in and out, request/correlation ids, pino request logs,
 * Prometheus metrics, health/readiness, and RFC 9457 problems for every error.
 */
export const createServiceApp = (options: ServiceAppOptions): Express => createServiceApps(options).app;

/** createServiceApp, and the admin app serving its metrics, detailed readiness and admin routes. */
export const createServiceApps = (options: ServiceAppOptions): ServiceApps => {
  const app = newApp();
  const registry = options.metrics ?? createMetricsRegistry();
  const duration = requestDuration(registry);
  const logging = new RequestLogging(options.logger, options.successLogsPerSecond);
  app.use(logging.handler);
  app.use((req, res, next) => {
    const end = duration.startTimer({ service: options.name, method: req.method });
    res.on('finish', () => end({ status: String(res.statusCode) }));
    next();
  });
  if (options.operationalEndpoints !== false) {
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'UP' });
    });
    // Public readiness says which check is down, never why: error messages name hosts and ports
    // (logged here, and shown on the admin listener's /readyz).
    app.get('/readyz', async (req, res) => {
      const results = await runChecks(options.readiness ?? []);
      for (const result of results)
        if (!result.up) req.log?.warn({ check: result.name, detail: result.detail }, 'readiness check failed');
      const down = results.some((result) => !result.up);
      res.status(down ? 503 : 200).json({
        status: down ? 'DOWN' : 'UP',
        checks: Object.fromEntries(results.map((result) => [result.name, result.up ? 'UP' : 'DOWN'])),
      });
    });
  }
  if (options.trust) {
    const { service, gatewayVerifyKey, internalTokenKey } = options.trust;
    app.use(
      authorizeOperations({
        service,
        verifier: gatewayVerifyKey ? new GrantVerifier(service, gatewayVerifyKey) : undefined,
      }),
    );
    app.use(requireInternalToken({ service, key: internalTokenKey }));
  }
  for (const handler of options.beforeBody ?? []) app.use(handler);
  app.use(jsonBodies(options.jsonLimit ?? '256kb', logging));
  app.use((req, res, next) => (logging.calledInProcess(req) ? next() : requestContext(req, res, next)));
  if (options.consistency) app.use(honourConsistencyTokens(options.consistency));
  for (const router of options.routers) app.use(router);
  endRoutes(app);
  const admin = createAdminApp({
    name: options.name,
    logger: options.logger,
    metrics: registry,
    readiness: options.readiness,
    routers: options.adminRouters,
  });
  return { app, admin };
};

/**
 * Requests Node's HTTP parser refuses (a request target that is not ASCII, a request line and
 * headers over its 16 KiB limit, a malformed header) are answered as problems too, instead of Node's
 * bare `400 Bad Request` without a body. Call on every listening server (see Node's `clientError`).
 */
export const answerClientErrorsWithProblems = (server: Server): void => {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const [status, code, detail] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', 'The request line and headers are larger than the server accepts.']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time.']
          : [400, 'MALFORMED_REQUEST', 'The request is not valid HTTP/1.1 (request line or headers).'];
    const body = JSON.stringify(problem(status, code, detail));
    socket.end(
      `HTTP/1.1 ${status} ${problem(status, code, detail).title}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
};
