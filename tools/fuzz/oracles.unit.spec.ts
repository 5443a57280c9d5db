import { buildOpenApiDocument } from '@identity-store/contracts';
import { ApiModel, refusedByHttp } from './api-model';
import { isRecordedFailure } from './api-fuzzer';
import { toJsonText, objectWithOwnKey, RawJson } from './hostile';
import { StateProbe } from './state-probe';

/** The fuzzer's oracles must fail where they should: each is checked on a right and a wrong answer. */

const model = new ApiModel(buildOpenApiDocument() as ConstructorParameters<typeof ApiModel>[0]);
const S = '/api/identity-store/stores';
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const problem = (status: number, code: string) => ({ type: 'x', title: 't', status, detail: 'd', code });

describe('the API model read from the OpenAPI document', () => {
  it('matches paths like the gateway: a literal segment beats a parameter, one trailing slash is the same path', () => {
    expect(model.match('GET', `${S}/acme/users/u1/totps/ext`)?.operationId).toBe('listTotpsByExtId');
    expect(model.match('GET', `${S}/acme/users/u1/totps/t1`)?.operationId).toBe('getTotp');
    expect(model.match('POST', `${S}/acme/users/u1/totps/registrations/default`)?.operationId).toBe(
      'startTotpRegistration',
    );
    expect(model.match('GET', `${S}/acme/`)?.operationId).toBe('getStore');
  });

  it('reaches no operation with a path of none, or a segment that does not percent-decode', () => {
    expect(model.match('GET', `${S}/acme/nothing/here`)).toBeUndefined();
    expect(model.match('GET', `${S}/%C0%AE`)).toBeUndefined();
    expect(model.match('PUT', `${S}/acme`)).toBeUndefined();
  });

  it('knows what HTTP refuses before any operation: non-ASCII targets, over 16 KiB of request line and headers', () => {
    expect(refusedByHttp(`${S}/caf\u00e9`, {})).toBe(true);
    expect(refusedByHttp(`${S}/${'a'.repeat(20_000)}`, {})).toBe(true);
    expect(refusedByHttp(`${S}/acme`, { authorization: `Bearer ${'a'.repeat(100)}` })).toBe(false);
  });
});

describe('the response oracle', () => {
  const getStore = model.match('GET', `${S}/acme`)!;
  const store = {
    id: 's1',
    name: 'acme',
    attributeSchema: null,
    passkeyConfigs: {},
    appkeyConfigs: {},
    totpPolicies: {},
    passcodePolicies: {},
    pushNotificationPolicies: {},
    biometricPolicy: null,
    createdDtm: '2026-11-30T00:00:00.000Z',
    lastUpdatedDtm: '2026-11-30T00:00:00.000Z',
  };

  it('takes a documented answer', () => {
    expect(
      model.checkResponse(getStore, { status: 200, contentType: 'application/json', body: json(store) }),
    ).toEqual([]);
    expect(
      model.checkResponse(getStore, {
        status: 404,
        contentType: 'application/problem+json',
        body: json(problem(404, 'STORE_NOT_FOUND')),
      }),
    ).toEqual([]);
  });

  it('flags an undocumented status, a body off its schema, an error that is not a problem, a problem of another status', () => {
    expect(
      model.checkResponse(getStore, {
        status: 500,
        contentType: 'application/problem+json',
        body: json(problem(500, 'X')),
      }),
    ).toEqual(['500 is not a documented response of getStore']);
    expect(
      model.checkResponse(getStore, {
        status: 200,
        contentType: 'application/json',
        body: json({ ...store, id: 7 }),
      })[0],
    ).toMatch(/does not match the documented schema/);
    expect(
      model.checkResponse(getStore, { status: 404, contentType: 'text/html', body: Buffer.from('<h1>') })[0],
    ).toMatch(/not JSON/);
    expect(
      model.checkResponse(getStore, {
        status: 404,
        contentType: 'application/problem+json',
        body: json(problem(400, 'X')),
      }),
    ).toEqual(['problem.status 400 ≠ HTTP 404']);
  });

  it('for a request of no operation takes only the refusals the document names', () => {
    const answer = (status: number, code: string, requestHadBody = false) =>
      model.checkResponse(undefined, {
        status,
        contentType: 'application/problem+json',
        body: json(problem(status, code)),
        requestHadBody,
      });
    expect(answer(404, 'ROUTE_NOT_FOUND')).toEqual([]);
    expect(answer(400, 'MALFORMED_REQUEST')).toEqual([]);
    expect(answer(415, 'UNSUPPORTED_MEDIA_TYPE', true)).toEqual([]);
    expect(answer(415, 'UNSUPPORTED_MEDIA_TYPE')).toHaveLength(1);
    expect(answer(400, 'VALIDATION_FAILED')).toHaveLength(1);
  });
});

describe('the state oracle', () => {
  it('tells which tables of which services changed', () => {
    const before = { identity: { 'events.count': '3', unique_keys: '2:9' }, audit: { documents: '1:5' } };
    const after = { identity: { 'events.count': '4', unique_keys: '2:9' }, audit: { documents: '1:6' } };
    expect(StateProbe.diff(before, after).map((c) => `${c.service}.${c.table}`)).toEqual([
      'identity.events.count',
      'audit.documents',
    ]);
    expect(StateProbe.diff(before, after, ['audit']).map((c) => c.table)).toEqual(['documents']);
    expect(StateProbe.diff(before, before)).toEqual([]);
  });

  it('lets only documented failures change state: FAILURE outcomes, failed passkey registrations, counted token issues', () => {
    expect(isRecordedFailure('authenticateTotp', 400, 'application/json', { result: 'FAILURE' }, [])).toBe(
      true,
    );
    expect(
      isRecordedFailure(
        'completePasskeyRegistration',
        400,
        'application/problem+json',
        { code: 'PASSKEY_REGISTRATION_FAILED' },
        [],
      ),
    ).toBe(true);
    expect(
      isRecordedFailure('updateStore', 400, 'application/problem+json', { code: 'VALIDATION_FAILED' }, []),
    ).toBe(false);
    expect(
      isRecordedFailure('issueToken', 401, 'application/problem+json', {}, [
        { service: 'gateway', table: 'rate_limits' },
      ]),
    ).toBe(true);
    expect(
      isRecordedFailure('issueToken', 401, 'application/problem+json', {}, [
        { service: 'gateway', table: 'events.count' },
      ]),
    ).toBe(false);
  });
});

describe('hostile JSON text', () => {
  it('writes raw numbers, -0 and own __proto__ keys as they are', () => {
    const text = toJsonText({
      a: new RawJson('9007199254740993', '2^53+1'),
      b: -0,
      c: objectWithOwnKey('__proto__', { x: 1 }),
    });
    expect(text).toBe('{"a":9007199254740993,"b":-0,"c":{"__proto__":{"x":1}}}');
    expect(Object.getPrototypeOf(JSON.parse(text).c)).toBe(Object.prototype); // JSON.parse keeps it an own key
  });
});
