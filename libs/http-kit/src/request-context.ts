import { AsyncLocalStorage } from 'node:async_hooks';
import type { Request, RequestHandler, Response } from 'express';

/**
 * The request being answered, for code deep below the routes that has to say something about the
 * answer without being handed `res` (e.g. "this summaryInfo is stale").
 */
const current = new AsyncLocalStorage<{ req: Request; res: Response }>();

/** Mounted after the body parser (stream callbacks would lose the context), before the routers. */
export const requestContext: RequestHandler = (req, res, next) => current.run({ req, res }, next);

/** The request being answered in this async context, if any. */
export const currentRequest = (): { req: Request; res: Response } | undefined => current.getStore();

/**
 * `Summary-Status: stale` on an answer whose summaryInfo does not (or may not) show the request's
 * own effect: the audit service was down, slow, or had not caught up within its wait bound. The
 * write itself is committed; the summary is the best one available (possibly empty).
 */
export const SUMMARY_STATUS_HEADER = 'Summary-Status';

export const markSummaryStale = (cause?: unknown): void => {
  const context = current.getStore();
  if (!context) return;
  if (cause !== undefined) context.req.log?.warn({ err: cause }, 'summary lookup failed: answering with a stale summary');
  if (!context.res.headersSent) context.res.setHeader(SUMMARY_STATUS_HEADER, 'stale');
};
