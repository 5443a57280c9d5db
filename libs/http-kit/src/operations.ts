import {
  compileTemplate,
  type OperationDef,
  type OperationSpec,
  type OperationTable,
  operationsOf,
  type PathParamNames,
  pathParamNames,
  pathParamsSchema,
  type USER_PATH,
} from '@identity-store/contracts';
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { Router, routeGuard } from './router';
import { requestMetadata } from './user-routes';
import { validate } from './validation';

/** What a handler answers: a status (200 by default), a JSON body (none: empty) and headers. */
export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
export const noContent = (): Reply => ({ status: 204 });

type UserPath = typeof USER_PATH;

/** Path parameters of a row: user-scoped rows are reached by `userId` or, on the `/ext` twin, `extId`. */
export type ParamsOf<Spec extends OperationSpec> = Spec['path'] extends `${UserPath}${string}`
  ? { [Name in Exclude<PathParamNames<Spec['path']>, 'userId'>]: string } & {
      userId?: string;
      extId?: string;
    }
  : { [Name in PathParamNames<Spec['path']>]: string };

type Parsed<Schema> = Schema extends z.ZodType ? z.output<Schema> : unknown;

/** A request as a handler sees it: validated by its row's schemas. */
export interface OperationRequest<Spec extends OperationSpec> {
  params: ParamsOf<Spec>;
  query: Parsed<Spec['query']>;
  body: Parsed<Spec['body']>;
  /** Event metadata of what the request appends (its correlation id, caused by this request). */
  metadata: ReturnType<typeof requestMetadata>;
  req: Request;
}

export type OperationHandler<Spec extends OperationSpec> = (
  request: OperationRequest<Spec>,
) => Promise<Reply>;

/** One handler per implemented row of the table, keyed by operation id. */
export type OperationHandlers<Table extends OperationTable> = {
  [Id in keyof Table as Table[Id] extends { implemented: false } ? never : Id]: OperationHandler<Table[Id]>;
};

/** Sends a reply; a body in the row's media type (`mediaType`) when it names one, else JSON. */
const send = (res: Response, { status = 200, body, headers = {} }: Reply, mediaType?: string): void => {
  res.status(status);
  if (mediaType) res.type(mediaType);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body === undefined) res.end();
  else res.json(body);
};

/** `{storeName}` → `:storeName` (Express's notation; `{…}` means optional there). */
const expressPath = (template: string) => template.replace(/\{(\w+)\}/g, ':$1');

/**
 * Express tries routes in order and the operation table takes the most specific template: sorted
 * like the table (literal segments before parameters, from the left), the first route Express
 * matches is the table's. The grant check still refuses any disagreement.
 */
const bySpecificity = (a: OperationDef, b: OperationDef) => {
  const [shapeA, shapeB] = [compileTemplate(a.path).shape, compileTemplate(b.path).shape];
  return shapeA < shapeB ? -1 : shapeA > shapeB ? 1 : 0;
};

const routeOf = (op: OperationDef, handler: OperationHandler<OperationSpec>): RequestHandler => {
  const schemas = {
    ...(pathParamNames(op.path).length ? { params: pathParamsSchema(op.path, op.params) } : {}),
    ...(op.query ? { query: op.query } : {}),
    ...(op.body ? { body: op.body } : {}),
  };
  return async (req, res) => {
    const { params, query, body } = validate(req, schemas);
    const reply = await handler({
      params,
      query,
      body,
      metadata: requestMetadata(req),
      req,
    } as OperationRequest<OperationSpec>);
    send(res, reply, op.mediaType);
  };
};

/**
 * Mounts a service's handlers from its family's table on `router` (a plain `Router()`): each
 * implemented row at its path (user-scoped rows also at their `/ext` twin), behind the grant check
 * (the granted operation must be this route's), with params, query and body validated by the row's
 * schemas (400 naming every bad field). A row without a handler is a startup error.
 */
export const mountOperations = <Table extends OperationTable>(
  router: Router,
  table: Table,
  handlers: OperationHandlers<Table>,
): Router => {
  const byId = handlers as unknown as Record<string, OperationHandler<OperationSpec> | undefined>;
  const implemented = operationsOf(table).filter((op) => op.implemented);
  for (const op of implemented.sort(bySpecificity)) {
    const handler = byId[op.rowId];
    if (!handler) throw new Error(`no handler for the operation ${op.rowId}`);
    const path = expressPath(op.path);
    router[op.method.toLowerCase() as 'get' | 'post' | 'delete'](
      path,
      routeGuard(path),
      routeOf(op, handler),
    );
  }
  return router;
};

/** A new router with the table's handlers mounted (see mountOperations). */
export const operationsRouter = <Table extends OperationTable>(
  table: Table,
  handlers: OperationHandlers<Table>,
): Router => mountOperations(Router(), table, handlers);
