import { pathSegmentSchema, storeNameSchema } from '@identity-store/contracts';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { operationRouter } from './router';

/** Kept here too for the services that import it from http-kit. */
export { pathSegmentSchema };

/** Event metadata of the events a request appends: its correlation id, caused by this request. */
export const requestMetadata = (req: Request) => ({
  correlationId: req.correlationId,
  causationId: req.requestId,
});

const userSegment = pathSegmentSchema(128);
/** Path parameters of a user-scoped route: the store and the user by internal or external id. */
export const userPathParams = z.object({
  storeName: storeNameSchema,
  userId: userSegment.optional(),
  extId: userSegment.optional(),
});

type Handler = (req: Request, res: Response) => Promise<void>;

/**
 * A router for the user-scoped routes of one collection (`totps`, `passcodes`, …). `on(method,
 * suffix, handler)` mounts a handler twice, exactly as the operation table lists user operations:
 * by internal id (`…/users/:userId/<collection><suffix>`) and, with a trailing `/ext`, by external
 * id (the `:extId` parameter).
 */
export const userScopedRoutes = (collection: string) => {
  const router = operationRouter();
  const on = (method: 'get' | 'post' | 'delete', suffix: string, handler: Handler) => {
    // Express matches `:userId` greedily against the /ext form too: register the /ext path first.
    router[method](`/api/identity-store/stores/:storeName/users/:extId/${collection}${suffix}/ext`, handler);
    router[method](`/api/identity-store/stores/:storeName/users/:userId/${collection}${suffix}`, handler);
  };
  return { router, on };
};
