import http from 'node:http';
import https from 'node:https';
import type { ServiceName } from '@identity-store/contracts';
import { type Logger, problem } from '@identity-store/http-kit';
import type { RequestHandler } from 'express';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';

/** Where an operation's service answers: a base URL (proxied) or an Express app (called in-process). */
export type ServiceTarget = string | RequestHandler;

export interface Forwarder {
  handle: RequestHandler;
  /** Readiness of a proxied service (its `/healthz`); absent for in-process targets. */
  check?: () => Promise<void>;
  close(): void;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * A string target is proxied with http-proxy-middleware over a keep-alive agent, path and query
 * unchanged; the JSON body the gateway already parsed is re-serialised (fixRequestBody). A service
 * that cannot be reached answers 503 SERVICE_UNAVAILABLE, any other proxy failure 502 BAD_GATEWAY.
 */
const proxyTo = (service: ServiceName, baseUrl: string, logger: Logger): Forwarder => {
  const agent = baseUrl.startsWith('https:')
    ? new https.Agent({ keepAlive: true, maxSockets: 256 })
    : new http.Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = createProxyMiddleware({
    target: baseUrl,
    changeOrigin: true,
    xfwd: true,
    agent,
    proxyTimeout: 30_000,
    on: {
      proxyReq: fixRequestBody,
      error: (error, req, res) => {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        logger.warn({ err: error, service, url: req.url }, 'proxying to a service failed');
        if (!('writeHead' in res)) return void res.destroy();
        if (res.headersSent) return void res.destroy();
        const body = UNREACHABLE.has(code)
          ? problem(503, 'SERVICE_UNAVAILABLE', `The ${service} service cannot be reached.`)
          : problem(
              502,
              'BAD_GATEWAY',
              `The ${service} service failed to answer (${code || error.message}).`,
            );
        res.writeHead(body.status, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify(body));
      },
    },
  });
  return {
    handle: (req, res, next) => void proxy(req, res, next),
    check: async () => {
      const response = await fetch(new URL('/healthz', baseUrl), { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) throw new Error(`${service} /healthz answered ${response.status}`);
    },
    close: () => agent.destroy(),
  };
};

/**
 * An Express app target is called in-process (the embedded default: no network hop). It sees the
 * request as it arrived — path unchanged, body already parsed (its own JSON parser skips a consumed
 * body) — with the headers the gateway set.
 */
const callInProcess = (handler: RequestHandler): Forwarder => ({
  handle: (req, res, next) => {
    req.url = req.originalUrl;
    try {
      void handler(req, res, next);
    } catch (error) {
      next(error);
    }
  },
  close: () => undefined,
});

export const createForwarder = (service: ServiceName, target: ServiceTarget, logger: Logger): Forwarder =>
  typeof target === 'string' ? proxyTo(service, target, logger) : callInProcess(target);
