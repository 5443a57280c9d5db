import { operations } from '@identity-store/contracts';
import { operationsByTag, renderDocsPage, skeletonOpenApiDocument } from './docs';

describe('docs', () => {
  it('lists every operation of the table in the skeleton document', () => {
    const document = skeletonOpenApiDocument() as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const ids = Object.values(document.paths).flatMap((item) =>
      Object.values(item).map((op) => op.operationId),
    );
    for (const op of operations) expect(ids).toContain(op.operationId);
    expect(ids).toContain('issueToken');
    expect(ids).toContain('createApiKey');
  });

  it('groups operations by first tag and renders them as escaped HTML', () => {
    const document = {
      info: { title: 'Demo <API>', version: '1.2.3' },
      paths: {
        '/a/{id}': {
          get: { operationId: 'getA', summary: 'Get an <a>', tags: ['alpha', 'x'] },
          delete: { operationId: 'deleteA', summary: 'Delete', tags: ['alpha'], 'x-implemented': false },
        },
        '/b': { post: { operationId: 'makeB', summary: 'Make "b"' } },
      },
    };
    expect(
      [...operationsByTag(document)].map(([tag, ops]) => [tag, ops.map((op) => `${op.method} ${op.path}`)]),
    ).toEqual([
      ['alpha', ['GET /a/{id}', 'DELETE /a/{id}']],
      ['other', ['POST /b']],
    ]);
    const html = renderDocsPage(document);
    expect(html).toContain('<title>Demo &lt;API&gt; — operations</title>');
    expect(html).toContain('<h2>alpha</h2>');
    expect(html).toContain(
      '<tr><td class="m get">GET</td><td><code>/a/{id}</code></td><td>Get an &lt;a&gt;</td><td><code>getA</code></td></tr>',
    );
    expect(html).toContain('Delete <em>(not implemented yet)</em>');
    expect(html).toContain('Make &quot;b&quot;');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
