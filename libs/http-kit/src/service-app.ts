import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Logger } from './logger';
import { problem, problemHandler, sendProblem } from './problem';

export const CORRELATION_HEADER = 'x-correlation-id';
export const REQUEST_ID_HEADER = 'x-request-id';

declare module 'express-serve-static-core' {
  interface Request {
    /** Correlation id of the whole interaction (propagated to events and downstream calls). */
    correlationId: string;
    requestId: string;
  }
}

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  routers: Router[];
  readiness?: ReadinessCheck[];
  /** A registry shared by all apps of one process (embedded default); one per app otherwise. */
  metrics?: Registry;
  /** Mount /healthz, /readyz and /metrics (false when another app of the process already does). */
  operationalEndpoints?: boolean;
  jsonLimit?: string;
  /**
   * Handlers that run before request bodies are parsed — authentication, so that a request without
   * valid credentials is 401 whatever its body — and routes that need no body.
   */
  beforeBody?: Array<RequestHandler | Router>;
}

const ids: RequestHandler = (req, res, next) => {
  req.requestId = randomUUID();
  const incoming = req.header(CORRELATION_HEADER);
  req.correlationId = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : req.requestId;
  res.setHeader(REQUEST_ID_HEADER, req.requestId);
  res.setHeader(CORRELATION_HEADER, req.correlationId);
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

/**
 * The Express app every service is: JSON in and out, request/correlation ids, pino request logs,
 * Prometheus metrics, health/readiness, and RFC 9457 problems for every error.
 */
export const createServiceApp = (options: ServiceAppOptions): Express => {
  const app = express();
  const registry = options.metrics ?? createMetricsRegistry();
  const duration = requestDuration(registry);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(ids);
  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: (req) => (req as unknown as { requestId: string }).requestId,
      customProps: (req) => ({ correlationId: (req as unknown as { correlationId: string }).correlationId }),
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'debug'),
    }),
  );
  app.use((req, res, next) => {
    const end = duration.startTimer({ service: options.name, method: req.method });
    res.on('finish', () => end({ status: String(res.statusCode) }));
    next();
  });
  if (options.operationalEndpoints !== false) {
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'UP' });
    });
    app.get('/readyz', async (_req, res) => {
      const results = await Promise.all(
        (options.readiness ?? []).map(async ({ name, check }) => {
          try {
            await check();
            return [name, 'UP'] as const;
          } catch (error) {
            return [name, `DOWN: ${(error as Error).message}`] as const;
          }
        }),
      );
      const down = results.some(([, status]) => status !== 'UP');
      res
        .status(down ? 503 : 200)
        .json({ status: down ? 'DOWN' : 'UP', checks: Object.fromEntries(results) });
    });
    app.get('/metrics', async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    });
  }
  for (const handler of options.beforeBody ?? []) app.use(handler);
  app.use(
    express.json({ limit: options.jsonLimit ?? '256kb', type: ['application/json', 'application/*+json'] }),
  );
  for (const router of options.routers) app.use(router);
  app.use((req, res) => {
    sendProblem(res, problem(404, 'ROUTE_NOT_FOUND', `No operation ${req.method} ${req.path}.`));
  });
  app.use(problemHandler);
  return app;
};
