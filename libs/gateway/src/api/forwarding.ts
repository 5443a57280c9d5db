import http from 'node:http';
import https from 'node:https';
import type { ServiceName } from '@identity-store/contracts';
import {
  attachInProcessGrant,
  GRANT_HEADER,
  type GrantClaims,
  type GrantSigner,
  type Logger,
  problem,
} from '@identity-store/http-kit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';

/** Where an operation's service answers: a base URL (proxied) or an Express app (called in-process). */
export type ServiceTarget = string | RequestHandler;

export interface Forwarder {
  /** Hands the request to the service with the gateway's grant for it (signed, or in process). */
  handle(req: Request, res: Response, next: NextFunction, grant: GrantClaims): Promise<void>;
  /** Readiness of a proxied service (its `/healthz`); absent for in-process targets. */
  check?: () => Promise<void>;
  close(): void;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Seconds a client should wait before retrying a service that could not be reached (e.g. restarting). */
const RETRY_UNREACHABLE_AFTER_SECONDS = 1;

/**
 * A string target is proxied with http-proxy-middleware over a keep-alive agent, path and query
 * unchanged; the JSON body the gateway already parsed is re-serialised (fixRequestBody); the grant
 * travels signed in its header. A service that cannot be reached answers 503 SERVICE_UNAVAILABLE
 * with Retry-After (the request never reached it, so a retry is safe), any other proxy failure 502
 * BAD_GATEWAY (the service may have acted on it; the cause is logged, never answered: it names hosts).
 */
const proxyTo = (service: ServiceName, baseUrl: string, logger: Logger, signer: GrantSigner): Forwarder => {
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
          ? problem(503, 'SERVICE_UNAVAILABLE', `The ${service} service cannot be reached.`, undefined, {
              retryAfterSeconds: RETRY_UNREACHABLE_AFTER_SECONDS,
            })
          : problem(502, 'BAD_GATEWAY', `The ${service} service failed to answer.`);
        res.writeHead(body.status, {
          'content-type': 'application/problem+json',
          ...(typeof body.retryAfterSeconds === 'number'
            ? { 'retry-after': String(body.retryAfterSeconds) }
            : {}),
        });
        res.end(JSON.stringify(body));
      },
    },
  });
  return {
    handle: async (req, res, next, grant) => {
      req.headers[GRANT_HEADER] = await signer.sign(grant);
      void proxy(req, res, next);
    },
    check: async () => {
      const response = await fetch(new URL('/healthz', baseUrl), { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) throw new Error(`${service} /healthz answered ${response.status}`);
    },
    close: () => agent.destroy(),
  };
};

/**
 * An Express app target is called in-process (the embedded default: no network hop, no signature).
 * It sees the request as the gateway forwards it — body already parsed (its own JSON parser skips a
 * consumed body), the headers the gateway set — and the grant as a property of the request that no
 * network request can carry.
 */
const callInProcess = (handler: RequestHandler): Forwarder => ({
  handle: async (req, res, next, grant) => {
    req.url = req.originalUrl;
    attachInProcessGrant(req, grant);
    try {
      void handler(req, res, next);
    } catch (error) {
      next(error);
    }
  },
  close: () => undefined,
});

export const createForwarder = (
  service: ServiceName,
  target: ServiceTarget,
  logger: Logger,
  signer: GrantSigner | undefined,
): Forwarder => {
  if (typeof target !== 'string') return callInProcess(target);
  if (!signer)
    throw new Error(
      `the ${service} service is proxied (${target}): the gateway needs a grant signing key (GATEWAY_SIGNING_KEY)`,
    );
  return proxyTo(service, target, logger, signer);
};
