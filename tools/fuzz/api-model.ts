import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { type JsonSchema, resolvePointer } from './schema-arbitrary';

/**
 * What the fuzzer knows of the API, read from the OpenAPI document only: the operations with their
 * parameters, bodies and documented responses; which operation a request path reaches (templates,
 * a literal segment beating a parameter); and whether a response is one the document allows.
 */

export interface ApiParameter {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

export interface ApiOperation {
  operationId: string;
  /** `x-permission`: the permission an API key needs (undefined: none, the token issue). */
  permission?: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  implemented: boolean;
  /** `apiKey`: the X-Api-Key header (token issue); `bearer`: a bearer token. */
  security: 'bearer' | 'apiKey';
  pathParams: ApiParameter[];
  queryParams: ApiParameter[];
  body?: { schema: JsonSchema; required: boolean };
  /** status → media type → schema (undefined: no content documented). */
  responses: Map<number, Map<string, JsonSchema | undefined>>;
}

type Doc = {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: Record<string, Record<string, unknown>>;
  security?: Array<Record<string, unknown>>;
};

const METHODS = ['get', 'post', 'delete', 'put', 'patch'] as const;
const DOC_ID = 'https://identity-store.test/openapi.json';

const deref = <T>(doc: unknown, node: unknown): T => {
  let current = node;
  for (let hops = 0; current && typeof current === 'object' && '$ref' in current; hops++) {
    if (hops > 10) throw new Error('$ref loop');
    current = resolvePointer(doc, (current as { $ref: string }).$ref);
  }
  return current as T;
};

interface CompiledTemplate {
  operation: ApiOperation;
  regex: RegExp;
  shape: string;
}

export interface ResponseToCheck {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  /** A body is read (and may be refused: 400, 413, 415) before the path is matched to an operation. */
  requestHadBody?: boolean;
}

/** Refusals of a request's body, made whatever operation its path names (see the document's 400/413/415). */
const BODY_REFUSALS = [
  '400 MALFORMED_JSON',
  '400 MALFORMED_BODY',
  '400 VALIDATION_FAILED',
  '413 CONTENT_TOO_LARGE',
  '415 UNSUPPORTED_MEDIA_TYPE',
];

export class ApiModel {
  readonly operations: ApiOperation[];
  private readonly templates = new Map<string, CompiledTemplate[]>();
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly doc: Doc) {
    this.ajv.addSchema({ ...doc, $id: DOC_ID } as object);
    this.operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => this.operationOf(path, method, item[method]!)),
    );
    for (const operation of this.operations) {
      const segments = operation.path.split('/').filter(Boolean);
      const shape = segments.map((segment) => (/^\{\w+\}$/.test(segment) ? 'P' : 'L')).join('');
      const regex = new RegExp(
        `^/${segments.map((segment) => (/^\{\w+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`,
      );
      const list = this.templates.get(operation.method) ?? [];
      list.push({ operation, regex, shape });
      this.templates.set(operation.method, list);
    }
    for (const list of this.templates.values())
      list.sort((a, b) => (a.shape < b.shape ? -1 : a.shape > b.shape ? 1 : 0));
  }

  private operationOf(path: string, method: string, raw: Record<string, unknown>): ApiOperation {
    const parameters = ((raw.parameters as unknown[]) ?? []).map((p) =>
      deref<{ name: string; in: string; schema: JsonSchema; required?: boolean }>(this.doc, p),
    );
    const requestBody = raw.requestBody
      ? deref<{ required?: boolean; content: Record<string, { schema: JsonSchema }> }>(
          this.doc,
          raw.requestBody,
        )
      : undefined;
    const responses = new Map<number, Map<string, JsonSchema | undefined>>();
    for (const [status, response] of Object.entries((raw.responses as Record<string, unknown>) ?? {})) {
      const resolved = deref<{ content?: Record<string, { schema?: JsonSchema }> }>(this.doc, response);
      const media = new Map<string, JsonSchema | undefined>();
      for (const [type, content] of Object.entries(resolved.content ?? {})) media.set(type, content.schema);
      responses.set(Number(status), media);
    }
    const security = (raw.security ?? this.doc.security ?? []) as Array<Record<string, unknown>>;
    return {
      operationId: raw.operationId as string,
      permission: raw['x-permission'] as string | undefined,
      method: method.toUpperCase() as ApiOperation['method'],
      path,
      implemented: raw['x-implemented'] !== false,
      security: security.some((s) => 'apiKey' in s) ? 'apiKey' : 'bearer',
      pathParams: parameters
        .filter((p) => p.in === 'path')
        .map((p) => ({ name: p.name, schema: p.schema, required: true })),
      queryParams: parameters
        .filter((p) => p.in === 'query')
        .map((p) => ({ name: p.name, schema: p.schema, required: p.required ?? false })),
      body: requestBody?.content['application/json']
        ? { schema: requestBody.content['application/json'].schema, required: requestBody.required ?? false }
        : undefined,
      responses,
    };
  }

  /** The operation a method and raw (undecoded, query-less) path reach, by the document's templates. */
  match(method: string, rawPath: string): ApiOperation | undefined {
    // One trailing slash is the same path (Express's non-strict routing, which the gateway follows).
    const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
    const operation = this.templates
      .get(method.toUpperCase())
      ?.find((template) => template.regex.test(path))?.operation;
    // A segment that does not percent-decode (`%zz`, `%C0%AE`) is no value of any parameter.
    try {
      path.split('/').forEach((segment) => decodeURIComponent(segment));
    } catch {
      return undefined;
    }
    return operation;
  }

  private validator(schema: JsonSchema): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      // Component $refs resolve against the document (added under DOC_ID).
      validate = this.ajv.compile({ $id: `${DOC_ID}/response-${this.validators.size}`, ...rebase(schema) });
      this.validators.set(key, validate);
    }
    return validate;
  }

  /**
   * What is wrong with a response, per the document (empty: nothing). `operation` undefined: the
   * request reaches no operation (its path matches none, or HTTP itself refuses it), so only what the
   * document's introduction names is right: 404 ROUTE_NOT_FOUND, 401 (authentication comes before
   * routing), 400 MALFORMED_REQUEST, 431 HEADERS_TOO_LARGE.
   */
  checkResponse(operation: ApiOperation | undefined, response: ResponseToCheck): string[] {
    const problems: string[] = [];
    const mediaType = response.contentType?.split(';')[0]?.trim().toLowerCase();
    const text = response.body.toString('utf8');
    let body: unknown;
    if (text.length) {
      try {
        body = JSON.parse(text);
      } catch {
        return [`the body is not JSON (${mediaType ?? 'no content type'}): ${text.slice(0, 120)}`];
      }
    }
    const isProblem = mediaType === 'application/problem+json';
    if (response.status >= 400 && isProblem) {
      const validate = this.validator({ $ref: '#/components/schemas/Problem' });
      if (!validate(body)) problems.push(`not a Problem: ${this.ajv.errorsText(validate.errors)}`);
      else if ((body as { status: number }).status !== response.status)
        problems.push(`problem.status ${(body as { status: number }).status} ≠ HTTP ${response.status}`);
    }
    if (!operation) {
      const code = (body as { code?: string } | undefined)?.code;
      const expected = [
        '404 ROUTE_NOT_FOUND',
        '401 TOKEN_MISSING',
        '401 TOKEN_INVALID',
        '400 MALFORMED_REQUEST',
        '431 HEADERS_TOO_LARGE',
        ...(response.requestHadBody ? BODY_REFUSALS : []),
      ];
      if (!isProblem) problems.push(`${response.status} for a request of no operation is not a problem`);
      else if (!expected.includes(`${response.status} ${code}`))
        problems.push(
          `${response.status} ${code} for a request of no operation (expected one of ${expected.join(', ')})`,
        );
      return problems;
    }
    const documented = operation.responses.get(response.status);
    if (!documented) {
      problems.push(`${response.status} is not a documented response of ${operation.operationId}`);
      return problems;
    }
    if (documented.size === 0) {
      if (text.length) problems.push(`${response.status} documents no content, got ${text.slice(0, 80)}`);
      return problems;
    }
    if (!mediaType || !documented.has(mediaType)) {
      problems.push(
        `${response.status} answered ${mediaType ?? 'no content type'}, documented: ${[...documented.keys()].join(', ')}`,
      );
      return problems;
    }
    const schema = documented.get(mediaType);
    if (schema !== undefined && !isProblem) {
      const validate = this.validator(schema);
      if (!validate(body))
        problems.push(
          `${response.status} body does not match the documented schema: ${this.ajv.errorsText(validate.errors)}`,
        );
    }
    return problems;
  }
}

/** `#/components/…` → the added document's absolute id, so a standalone schema can refer into it. */
const rebase = (schema: JsonSchema): Record<string, unknown> =>
  JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"${DOC_ID}#/`)) as Record<
    string,
    unknown
  >;

/** Node's limit on the request line and headers together (`--max-http-header-size`, 16 KiB). */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Whether HTTP/1.1 itself refuses a request before any operation sees it: a request target with
 * bytes that are not ASCII (RFC 9112 §3.2) or a request line and headers over the server's limit.
 */
export const refusedByHttp = (target: string, headers: Record<string, string>): boolean =>
  /[^\x21-\x7e]/.test(target) ||
  target.length +
    Object.entries(headers).reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0) >
    MAX_HEADER_BYTES - 200;
