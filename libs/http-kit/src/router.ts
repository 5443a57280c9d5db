import { templateShape } from '@identity-store/contracts';
import express, { type RequestHandler } from 'express';
import { grantMissing, grantOf, isOperationPath, operationNotGranted } from './grants';

/**
 * Every router of the project: case-sensitive and strict (a trailing slash is another path), as the
 * operation table matches, so the gateway and a service cannot read one URL as two operations.
 */
export const Router = (): express.Router => express.Router({ caseSensitive: true, strict: true });
export type Router = express.Router;

/** Runs a route only if the request's grant names the operation of this very route template. */
export const routeGuard =
  (template: string): RequestHandler =>
  (req, _res, next) => {
    const grant = grantOf(req);
    if (!grant) throw grantMissing();
    if (templateShape(grant.operation.path) !== templateShape(template))
      throw operationNotGranted(grant.operation.operationId);
    next();
  };

type Method = 'get' | 'post' | 'delete' | 'put' | 'patch';

/**
 * A Router for a service's public operations (`/api/identity-store/**`): each route it registers
 * first checks that the route's template is the one of the granted operation. Express's route order
 * and the table's most-specific-first order then cannot disagree silently: a request that Express
 * hands to another route than the table matched is 403, never served.
 */
export const operationRouter = (): express.Router => {
  const router = Router();
  for (const method of ['get', 'post', 'delete', 'put', 'patch'] as const satisfies Method[]) {
    const register = router[method].bind(router) as (path: unknown, ...handlers: unknown[]) => express.Router;
    (router as unknown as Record<Method, unknown>)[method] = (path: unknown, ...handlers: unknown[]) =>
      typeof path === 'string' && isOperationPath(path)
        ? register(path, routeGuard(path), ...handlers)
        : register(path, ...handlers);
  }
  return router;
};
