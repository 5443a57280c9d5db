import { readFileSync } from 'node:fs';
import { apiKeyOperations, compileTemplate, operations, RouteTable } from '@identity-store/contracts';
import { SEED_ENDPOINTS_PATH, seedEndpoints } from '../testing/seed-endpoints';

const table = new RouteTable(operations);
const S = '/api/identity-store/stores';

/** `{storeName}` → acme, `{userId}` → u-1, … (realistic values, none equal to a literal segment). */
const concrete = (template: string) =>
  template.replace(/\{(\w+)\}/g, (_all, name: string) => (name === 'storeName' ? 'acme' : `v-${name}`));
const shape = (template: string) => template.replace(/\{\w+\}/g, '{}');

const matchOf = (method: string, path: string) => {
  const found = table.match(method, path);
  return found && { operationId: found.operation.operationId, params: found.params };
};

describe('compileTemplate', () => {
  it('turns parameters into single-segment groups and records the literal/parameter shape', () => {
    const compiled = compileTemplate('/api/identity-store/stores/{storeName}/totpPolicy/{policyName}');
    expect(compiled.paramNames).toEqual(['storeName', 'policyName']);
    expect(compiled.shape).toBe('LLLPLP');
    expect(compiled.regex.test('/api/identity-store/stores/a/totpPolicy/b')).toBe(true);
    expect(compiled.regex.test('/api/identity-store/stores/a/totpPolicy/b/c')).toBe(false);
    expect(compiled.regex.test('/api/identity-store/stores//totpPolicy/b')).toBe(false);
  });
});

describe('the seed endpoints', () => {
  it('is the list of the seed file kept in the repository', () => {
    const shared = readFileSync(SEED_ENDPOINTS_PATH, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    expect(seedEndpoints).toEqual(shared);
  });

  it('has 85 distinct operations', () => {
    expect(seedEndpoints).toHaveLength(85);
    expect(new Set(seedEndpoints.map((line) => shape(line))).size).toBe(85);
  });

  it.each(seedEndpoints.map((line) => line.split(' ') as [string, string]))(
    '%s %s resolves to its operation',
    (method, template) => {
      const found = table.match(method, concrete(template));
      expect(found).toBeDefined();
      expect(found!.operation.method).toBe(method);
      expect(shape(found!.operation.path)).toBe(shape(template));
      // Every parameter arrives, under the table's name, with the value of its position.
      const values = [...template.matchAll(/\{(\w+)\}/g)].map((m) =>
        m[1] === 'storeName' ? 'acme' : `v-${m[1]}`,
      );
      expect(Object.values(found!.params)).toEqual(values);
    },
  );

  it('maps the 85 seed lines to 85 different operations', () => {
    const ids = seedEndpoints.map((line) => {
      const [method, template] = line.split(' ') as [string, string];
      return table.match(method, concrete(template))?.operation.operationId;
    });
    expect(new Set(ids).size).toBe(85);
  });
});

describe('RouteTable', () => {
  it('resolves every operation of the table to itself (no template is shadowed)', () => {
    for (const op of [...operations])
      expect(table.match(op.method, concrete(op.path))?.operation.operationId).toBe(op.operationId);
    const keys = new RouteTable(apiKeyOperations);
    for (const op of apiKeyOperations)
      expect(keys.match(op.method, concrete(op.path))?.operation.operationId).toBe(op.operationId);
  });

  it('prefers a literal segment over a parameter at the first position they differ', () => {
    // …/users/{extId}/totps/ext (list by external id) vs …/users/{userId}/totps/{id} with id "ext"
    expect(matchOf('GET', `${S}/acme/users/u1/totps/ext`)).toEqual({
      operationId: 'listTotpsByExtId',
      params: { storeName: 'acme', extId: 'u1' },
    });
    expect(matchOf('GET', `${S}/acme/users/u1/passcodes/ext`)?.operationId).toBe('listPasscodesByExtId');
    // …/users/{userId}/totps/registrations/{policyName} vs …/users/{extId}/totps/{id}/ext
    expect(matchOf('POST', `${S}/acme/users/u1/totps/registrations/ext`)).toEqual({
      operationId: 'startTotpRegistration',
      params: { storeName: 'acme', userId: 'u1', policyName: 'ext' },
    });
    // a parameter still matches a literal-looking value when no literal template fits
    expect(matchOf('GET', `${S}/acme/users/u1/totps/registrations`)).toEqual({
      operationId: 'getTotp',
      params: { storeName: 'acme', userId: 'u1', id: 'registrations' },
    });
    expect(matchOf('GET', `${S}/acme/users/u1/totps/registrations/basic`)).toEqual({
      operationId: 'getTotpRegistration',
      params: { storeName: 'acme', userId: 'u1', policyName: 'basic' },
    });
    expect(matchOf('GET', `${S}/acme/users/u1/totps/t-9`)?.operationId).toBe('getTotp');
    expect(matchOf('POST', `${S}/acme/users/u1/biometrics/authentications/face`)?.operationId).toBe(
      'authenticateFace',
    );
    expect(matchOf('POST', `${S}/acme/users/u1/biometrics/face`)?.operationId).toBe('enrolBiometric');
    expect(matchOf('GET', `${S}/acme/users/ext`)).toEqual({
      operationId: 'getUser',
      params: { storeName: 'acme', userId: 'ext' },
    });
    expect(matchOf('GET', `${S}/acme/users/ext/ext`)).toEqual({
      operationId: 'getUserByExtId',
      params: { storeName: 'acme', extId: 'ext' },
    });
  });

  it('matches on the method too', () => {
    expect(matchOf('GET', `${S}/acme/totps`)).toBeUndefined();
    expect(matchOf('DELETE', `${S}/acme/users`)).toBeUndefined();
    expect(matchOf('GET', `${S}/acme/totpPolicy`)).toBeUndefined();
    expect(matchOf('PUT', `${S}/acme`)).toBeUndefined();
    expect(matchOf('GET', S)?.operationId).toBe('listStores');
    expect(matchOf('POST', S)?.operationId).toBe('createStore');
    expect(matchOf('post', `${S}/acme/users`)?.operationId).toBe('createUser');
  });

  it('decodes parameters, ignores one trailing slash, and refuses unknown or malformed paths', () => {
    expect(matchOf('GET', `${S}/my%20store/users/a%2Fb`)).toEqual({
      operationId: 'getUser',
      params: { storeName: 'my store', userId: 'a/b' },
    });
    expect(matchOf('GET', `${S}/acme/`)?.operationId).toBe('getStore');
    expect(matchOf('GET', `${S}/acme/users/%E0%A4%A`)).toBeUndefined();
    expect(matchOf('GET', `${S}/acme/nothing-here`)).toBeUndefined();
    expect(matchOf('GET', '/api/identity-store')).toBeUndefined();
  });
});
