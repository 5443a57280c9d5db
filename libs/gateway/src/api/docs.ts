import { apiKeyOperations, type OperationDef, operations } from '@identity-store/contracts';
import { Router } from '@identity-store/http-kit';

/**
 * `GET /api/identity-store/openapi.json` and `GET /api/identity-store/docs`, both without a token.
 * The document comes from the `openApiDocument` option (built once, on first request); without one
 * the gateway serves a skeleton derived from the operation table. The docs page is self-contained
 * HTML (no script, no CDN): the operations grouped by tag with method, path and summary.
 */

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** A minimal OpenAPI 3.1 document listing every operation of the table (no schemas). */
export const skeletonOpenApiDocument = (
  tables: readonly OperationDef[] = [...operations, ...apiKeyOperations],
): Record<string, unknown> => {
  const paths: Record<string, Record<string, unknown>> = {
    '/api/arthr/apiKeys/issue': {
      post: {
        operationId: 'issueToken',
        summary: 'Exchange an API key (X-Api-Key header) for a bearer token',
        tags: ['apiKeys'],
        security: [],
        responses: {
          '200': { description: '{ token, ttl }' },
          '401': { description: 'Unknown, revoked or wrong key' },
        },
      },
    },
  };
  for (const op of tables) {
    (paths[op.path] ??= {})[op.method.toLowerCase()] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.path.startsWith('/api/arthr/') ? 'apiKeys' : op.service],
      'x-permission': op.permission,
      ...(op.implemented ? {} : { 'x-implemented': false, description: 'Not implemented yet: answers 501.' }),
      responses: { default: { description: 'See the API contract' } },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'identity-store API', version: '0.1.0' },
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
};

const escapeHtml = (text: unknown): string =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

interface Listed {
  method: string;
  path: string;
  summary: string;
  operationId: string;
  notImplemented: boolean;
}

/** The operations of an OpenAPI document grouped by their first tag (`other` without one). */
export const operationsByTag = (document: unknown): Map<string, Listed[]> => {
  const groups = new Map<string, Listed[]>();
  const paths = (document as { paths?: Record<string, Record<string, unknown>> } | null)?.paths ?? {};
  for (const [path, item] of Object.entries(paths)) {
    for (const method of methods) {
      const op = item?.[method] as
        { summary?: string; operationId?: string; tags?: string[]; 'x-implemented'?: boolean } | undefined;
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      const list = groups.get(tag) ?? [];
      list.push({
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? '',
        operationId: op.operationId ?? '',
        notImplemented: op['x-implemented'] === false,
      });
      groups.set(tag, list);
    }
  }
  return groups;
};

export const renderDocsPage = (document: unknown): string => {
  const info =
    (document as { info?: { title?: string; version?: string; description?: string } } | null)?.info ?? {};
  const sections = [...operationsByTag(document)]
    .map(
      ([tag, ops]) => `<section id="${escapeHtml(tag)}">
<h2>${escapeHtml(tag)}</h2>
<table>
<thead><tr><th>Method</th><th>Path</th><th>Summary</th><th>Operation</th></tr></thead>
<tbody>
${ops
  .map(
    (op) =>
      `<tr${op.notImplemented ? ' class="ni"' : ''}><td class="m ${escapeHtml(op.method.toLowerCase())}">${escapeHtml(op.method)}</td><td><code>${escapeHtml(op.path)}</code></td><td>${escapeHtml(op.summary)}${op.notImplemented ? ' <em>(not implemented yet)</em>' : ''}</td><td><code>${escapeHtml(op.operationId)}</code></td></tr>`,
  )
  .join('\n')}
</tbody>
</table>
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(info.title ?? 'API')} — operations</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.m{font-weight:bold;font-family:monospace}
td.get{color:#1a7f37}td.post{color:#0550ae}td.delete{color:#cf222e}
tr.ni{color:#888}
code{font-size:.9em}
</style>
</head>
<body>
<h1>${escapeHtml(info.title ?? 'API')} <small>${escapeHtml(info.version ?? '')}</small></h1>
<p>Every operation needs <code>Authorization: Bearer &lt;token&gt;</code>; get a token with
<code>POST /api/arthr/apiKeys/issue</code> and header <code>X-Api-Key</code>.
The machine-readable document is <a href="openapi.json">openapi.json</a>.</p>
${sections}
</body>
</html>
`;
};

export const docsRoutes = (openApiDocument: () => object = skeletonOpenApiDocument): Router => {
  let document: object | undefined;
  const get = () => (document ??= openApiDocument());
  const router = Router();
  router.get('/api/identity-store/openapi.json', (_req, res) => {
    res.json(get());
  });
  router.get('/api/identity-store/docs', (_req, res) => {
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.type('html').send(renderDocsPage(get()));
  });
  return router;
};
