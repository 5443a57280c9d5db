import type { OperationDef } from './operations';

/**
 * Matches a request (method + path) to an operation of the table. The gateway authorises with it,
 * and every service matches the same request again with it to check that the gateway's grant names
 * this very operation (so the two can never route one URL to different operations). Path templates are compiled
 * once to regexes (`{name}` = one non-empty segment). When several templates of a method match,
 * the most specific wins: compared segment by segment from the left, a literal segment beats a
 * parameter. So `GET …/users/{userId}/totps/registrations/{policyName}` wins over `…/totps/{id}`
 * shapes and `GET …/users/{extId}/totps/ext` (list by external id) over `…/users/{userId}/totps/{id}`
 * with id "ext". Routes are sorted by that order once, so the first regex that matches wins.
 */

export interface RouteMatch {
  operation: OperationDef;
  /** Decoded path parameters, by the template's names. */
  params: Record<string, string>;
}

interface CompiledRoute {
  operation: OperationDef;
  regex: RegExp;
  paramNames: string[];
  /** One character per segment: `L` literal, `P` parameter ('L' < 'P' sorts literals first). */
  shape: string;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const compileTemplate = (template: string): Omit<CompiledRoute, 'operation'> => {
  const segments = template.split('/').filter(Boolean);
  const paramNames: string[] = [];
  let shape = '';
  const parts = segments.map((segment) => {
    const param = /^\{(\w+)\}$/.exec(segment);
    if (param) {
      paramNames.push(param[1]!);
      shape += 'P';
      return '([^/]+)';
    }
    shape += 'L';
    return escapeRegex(segment);
  });
  return { regex: new RegExp(`^/${parts.join('/')}$`), paramNames, shape };
};

/**
 * The path the gateway forwards: one trailing slash removed (the table tolerates it; the services'
 * routers are strict, so they get the canonical form).
 */
export const canonicalPath = (rawPath: string): string =>
  rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;

/**
 * A route template with its parameter names erased, for either notation (`{userId}` of the table,
 * `:userId` of Express): two templates of the same shape match the same paths.
 */
export const templateShape = (template: string): string =>
  template.replace(/\{\w+\}|:\w+/g, '{}');

/** Orders routes so that, of two templates matching the same path, the more specific comes first. */
const bySpecificity = (a: CompiledRoute, b: CompiledRoute) =>
  a.shape < b.shape ? -1 : a.shape > b.shape ? 1 : 0;

export class RouteTable {
  private readonly byMethod = new Map<string, CompiledRoute[]>();

  constructor(operations: readonly OperationDef[]) {
    for (const operation of operations) {
      const routes = this.byMethod.get(operation.method) ?? [];
      routes.push({ operation, ...compileTemplate(operation.path) });
      this.byMethod.set(operation.method, routes);
    }
    for (const routes of this.byMethod.values()) routes.sort(bySpecificity);
  }

  /** The operation for this method and (undecoded, query-less) path, if any. */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const routes = this.byMethod.get(method.toUpperCase());
    if (!routes) return undefined;
    const path = canonicalPath(rawPath);
    for (const route of routes) {
      const found = route.regex.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      try {
        route.paramNames.forEach((name, index) => {
          params[name] = decodeURIComponent(found[index + 1]!);
        });
      } catch {
        return undefined; // malformed percent-encoding: no operation has such a path
      }
      return { operation: route.operation, params };
    }
    return undefined;
  }
}
