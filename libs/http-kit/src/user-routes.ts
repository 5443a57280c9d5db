import { pathSegmentSchema } from '@identity-store/contracts';
import type { Request } from 'express';

/** Kept here too for the services that import it from http-kit. */
export { pathSegmentSchema };

/** Event metadata of the events a request appends: its correlation id, caused by this request. */
export const requestMetadata = (req: Request) => ({
  correlationId: req.correlationId,
  causationId: req.requestId,
});
