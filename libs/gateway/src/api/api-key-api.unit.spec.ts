import { ApiSpecification, type ApiRequest, existingStream, expectResponse } from '@identity-store/testing';
import { formatApiKey } from '../domain/api-key-format';
import { inMemoryApiKeyApp } from '../testing/in-memory-api-keys';
import { ADMIN_KEY_ID, type ApiKeyEvent, apiKeyStreamId } from '../domain/api-key';

/** The management API on the in-memory event store: what it answers, without a database. */

const ADMIN_KEY = formatApiKey(ADMIN_KEY_ID, Buffer.alloc(32, 7));
const KEYS = '/api/arthr/apiKeys';

const given = ApiSpecification.for(async (eventStore) => {
  const { app, apiKeys } = inMemoryApiKeyApp(eventStore);
  await apiKeys.ensureAdminKey(ADMIN_KEY);
  return app;
});

const tokenOf = async (api: ApiRequest, key = ADMIN_KEY): Promise<string> =>
  (await api.post(`${KEYS}/issue`).set('X-Api-Key', key).expect(200)).body.token;
const bearer = async (api: ApiRequest, key?: string) => ({
  Authorization: `Bearer ${await tokenOf(api, key)}`,
});

const createKey = async (api: ApiRequest, body: object, key?: string) =>
  api
    .post(KEYS)
    .set(await bearer(api, key))
    .send(body);

const storedKey = (id: string, over: Partial<Extract<ApiKeyEvent, { type: 'ApiKeyCreated' }>['data']> = {}) =>
  existingStream(apiKeyStreamId(id), [
    {
      type: 'ApiKeyCreated',
      data: {
        id,
        name: 'stored',
        permissions: ['IdentityStore:getStore'],
        stores: ['acme'],
        secretHash: 'a'.repeat(64),
        createdDtm: '2026-05-07T10:00:00.000Z',
        ...over,
      },
    },
  ]);

describe('API-key management API (in memory)', () => {
  it('creates a key with a trimmed name and shows its key string once', async () => {
    const created = await given()
      .when((api) =>
        createKey(api, { name: '  ci  ', permissions: ['IdentityStore:getStore'], stores: ['acme'] }),
      )
      .then(
        expectResponse(201, {
          body: { name: 'ci', permissions: ['IdentityStore:getStore'], stores: ['acme'] },
          headers: { etag: 'W/"1"', location: /^\/api\/arthr\/apiKeys\/[a-z0-9]+$/ },
        }),
      );
    expect(created.body.key).toMatch(new RegExp(`^isk_${created.body.id}_`));
  });

  it('reads a key from its stream', () =>
    given(storedKey('k1'))
      .when(async (api) => api.get(`${KEYS}/k1`).set(await bearer(api)))
      .then(
        expectResponse(200, {
          body: { id: 'k1', name: 'stored', stores: ['acme'] },
          headers: { etag: 'W/"1"' },
        }),
      ));

  it('refuses an unknown permission', () =>
    given()
      .when((api) => createKey(api, { name: 'x', permissions: ['IdentityStore:nope'] }))
      .then(expectResponse(400), (response) =>
        expect(JSON.stringify(response.body)).toContain('unknown permission'),
      ));

  it('refuses an update made against an older version', () =>
    given(storedKey('k2'))
      .when(async (api) =>
        api
          .post(`${KEYS}/k2`)
          .set(await bearer(api))
          .set('If-Match', 'W/"7"')
          .send({ name: 'renamed' }),
      )
      .then(expectResponse(412, { body: { code: 'PRECONDITION_FAILED' } })));

  it('revokes a key: it is then unknown and its key string no longer issues tokens', async () => {
    await given()
      .when(async (api) => {
        const created = await createKey(api, { name: 'temp', permissions: ['IdentityStore:listApiKeys'] });
        const headers = await bearer(api);
        expect((await api.delete(`${KEYS}/${created.body.id}`).set(headers)).status).toBe(204);
        expect((await api.post(`${KEYS}/issue`).set('X-Api-Key', created.body.key)).status).toBe(401);
        return api.get(`${KEYS}/${created.body.id}`).set(headers);
      })
      .then(expectResponse(404, { body: { code: 'API_KEY_NOT_FOUND' } }));
  });

  it('refuses to revoke the bootstrap key', () =>
    given()
      .when(async (api) => api.delete(`${KEYS}/${ADMIN_KEY_ID}`).set(await bearer(api)))
      .then(expectResponse(409, { body: { code: 'API_KEY_MANAGED_BY_CONFIGURATION' } })));

  it('lists only the keys within the caller’s scope', () =>
    given()
      .when(async (api) => {
        const narrow = await createKey(api, {
          name: 'acme lister',
          permissions: ['IdentityStore:listApiKeys', 'IdentityStore:getStore'],
          stores: ['acme'],
        });
        await createKey(api, {
          name: 'other store',
          permissions: ['IdentityStore:getStore'],
          stores: ['other'],
        });
        await createKey(api, {
          name: 'acme reader',
          permissions: ['IdentityStore:getStore'],
          stores: ['acme'],
        });
        return api.get(`${KEYS}?sort=name,asc`).set(await bearer(api, narrow.body.key));
      })
      .then(expectResponse(200, { body: { totalElements: 2 } }), (response) =>
        expect(response.body.content.map((key: { name: string }) => key.name)).toEqual([
          'acme lister',
          'acme reader',
        ]),
      ));
});
