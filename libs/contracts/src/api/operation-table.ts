import type { z } from 'zod';

/**
 * The shape of an operation table: one row per endpoint, keyed by operation id (which is also the
 * permission `IdentityStore:<operationId>`). Each family declares its rows once, in
 * `<family>/<family>-operations.ts`; the gateway routes and authorises from them, the services
 * mount their handlers from them (http-kit `mountOperations`) and the OpenAPI document is rendered
 * from them.
 */
export type ServiceName = 'identity' | 'totp' | 'audit' | 'passcode' | 'passkey' | 'appkey' | 'biometric';
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 410 | 412 | 413 | 415 | 423 | 429 | 501 | 503;
export type SuccessStatus = 200 | 201 | 204;

/** A response body: a schema, `null` for none, or a schema with its description. */
export type ResponseDoc = z.ZodType | null | { schema: z.ZodType | null; description: string };

export const STORES_PATH = '/api/identity-store/stores';
/** Prefix of user-scoped paths; each such row is also served by external id (`…/{extId}…/ext`). */
export const USER_PATH = `${STORES_PATH}/{storeName}/users/{userId}` as const;
const EXT_USER_PATH = `${STORES_PATH}/{storeName}/users/{extId}`;

/** One endpoint, as a family's table declares it. */
export interface OperationSpec {
  method: HttpMethod;
  /** OpenAPI-style path template under the gateway, e.g. /api/identity-store/stores/{storeName}. */
  path: string;
  service: ServiceName;
  summary: string;
  /** false: part of the contract, answered 501 until its service exists (see the issues). */
  implemented?: boolean;
  /**
   * true: answered without a token (e.g. the TrustedFacets list UAF clients fetch): the gateway
   * neither authenticates nor checks a permission or store, and still grants the operation to its
   * service (which checks the grant as for any other operation).
   */
  public?: true;
  /**
   * Path parameters whose validation is stricter than the shared parameter's (see
   * `pathParameters`); the document still shows the shared, named parameter.
   */
  params?: Readonly<Record<string, z.ZodType<string>>>;
  /** The query: an object schema (`pageQuerySchema` for lists). */
  query?: z.ZodObject;
  /** Fields a list may be sorted by (the `sort` query parameter). */
  sortFields?: readonly string[];
  body?: z.ZodType;
  /**
   * The largest JSON body the operation takes, where it is more than every app's default (256 KiB):
   * e.g. a face image. Applied by the gateway and the service alike, before the body is parsed.
   */
  bodyLimit?: `${number}mb`;
  /** Success responses, and a 400 with a body for operations that answer a failed attempt with one. */
  responses?: Readonly<Partial<Record<SuccessStatus | 400, ResponseDoc>>>;
  /**
   * Problems besides 401/403 (every operation behind a bearer token has those) and, under
   * /api/identity-store, 400 (path parameters are validated).
   */
  problems?: readonly ProblemStatus[];
  /** The write honours `If-Match: W/"<version>"` (412 when stale). */
  ifMatch?: boolean;
  /** The success response carries the resource's weak `ETag`. */
  etag?: boolean;
  /** The success response carries a `Location` header; its description. */
  location?: string;
  /** Media type of the success response body; default `application/json`. */
  mediaType?: string;
  description?: string;
}

export type OperationTable = Readonly<Record<string, OperationSpec>>;

/** An operation of the combined table: a row with its id and permission (user rows appear twice). */
export interface OperationDef extends Omit<OperationSpec, 'implemented'> {
  operationId: string;
  /** `IdentityStore:<name>` permission an API key needs. */
  permission: string;
  implemented: boolean;
  /** The row's key in its family table (the `…ByExtId` twin shares its row, handler and permission). */
  rowId: string;
}

/** Declares a family's table, keeping its literal keys and paths for typed handlers. */
export const defineOperations = <const T extends OperationTable>(table: T): T => table;

export const isUserScoped = (path: string): boolean => path === USER_PATH || path.startsWith(`${USER_PATH}/`);

/**
 * The operations of a table. User-scoped rows exist twice (internal id, and external id with a
 * trailing `/ext`); both share one permission.
 */
export const operationsOf = (table: OperationTable): OperationDef[] =>
  Object.entries(table).flatMap(([rowId, { implemented = true, ...spec }]) => {
    const op: OperationDef = {
      ...spec,
      operationId: rowId,
      permission: `IdentityStore:${rowId}`,
      implemented,
      rowId,
    };
    if (!isUserScoped(spec.path)) return [op];
    const suffix = spec.path.slice(USER_PATH.length);
    return [
      op,
      {
        ...op,
        operationId: `${rowId}ByExtId`,
        path: `${EXT_USER_PATH}${suffix}/ext`,
        summary: `${spec.summary} (by external id)`,
      },
    ];
  });

/** `{storeName}` and `{userId}` of a template: its parameter names, in order. */
export type PathParamNames<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParamNames<Rest>
  : never;

const combinedTables: OperationDef[][] = [];

/**
 * Records the combined tables (`operations.ts` does, as it loads). The API-key schemas check
 * permissions against them, yet the API-key table is one of them: the schemas reach the tables
 * through here, when they validate, instead of importing `operations.ts` (an import cycle).
 */
export const registerCombinedTables = (...tables: OperationDef[][]): void => {
  combinedTables.push(...tables);
};

/** The combined tables (empty until `operations.ts` has loaded). */
export const registeredTables = (): readonly OperationDef[][] => combinedTables;
