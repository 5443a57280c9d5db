import { uniqueName } from '@identity-store/testing';
import { useE2eSystem } from './testing/e2e-system';

/**
 * Names and ids that are also properties of every JavaScript object (`constructor`, `toString`,
 * `__proto__`), found by the API fuzzer (tools/fuzz): looked up in a plain object they found
 * Object.prototype's member — a 500, a 200 with an empty body, a 409 for a policy that does not
 * exist, a removal event for one that never existed. They are ordinary names: unknown ones are 404,
 * and a policy may be called `constructor`.
 */
describe('names that are Object.prototype members, end to end (Kafka + PostgreSQL)', () => {
  const { call, api } = useE2eSystem('e2e_proto');
  const storeName = uniqueName('proto');
  const store = (path: string) => api(`/${storeName}${path}`);
  let userId: string;

  it('sets up a store with policies, a relying party and a user', async () => {
    const created = await call('POST', api(''), {
      name: storeName,
      totpPolicies: { default: { issuer: 'Proto' } },
      passcodePolicies: { default: {} },
      passkeyConfigs: {
        'example.com': {
          rpName: 'Example',
          origins: ['https://example.com'],
          registrationPolicies: { default: {} },
          authenticationPolicies: { default: {} },
        },
      },
    });
    expect(created.status).toBe(201);
    const user = await call('POST', store('/users'), { extId: 'alice' });
    expect(user.status).toBe(200);
    userId = user.body.id;
  });

  it.each([
    ['GET', '/totpPolicy/constructor', 'POLICY_NOT_FOUND'],
    ['GET', '/passcodePolicy/valueOf', 'POLICY_NOT_FOUND'],
    ['POST', '/totpPolicy/toString', 'POLICY_NOT_FOUND'],
    ['DELETE', '/totpPolicy/toString', 'POLICY_NOT_FOUND'],
    ['DELETE', '/passcodePolicy/constructor', 'POLICY_NOT_FOUND'],
    ['POST', '/users/{user}/totps/registrations/constructor', 'POLICY_NOT_FOUND'],
    ['GET', '/users/{user}/totps/registrations/constructor', 'POLICY_NOT_FOUND'],
    ['POST', '/users/{user}/passcodes/registrations/constructor', 'POLICY_NOT_FOUND'],
    ['POST', '/users/{user}/passcodes/authentications/hasOwnProperty', 'POLICY_NOT_FOUND'],
    ['POST', '/users/{user}/passkeys/relyingParties/example.com/registrations/constructor', 'POLICY_NOT_FOUND'],
    ['POST', '/users/{user}/passkeys/relyingParties/example.com/authentications/toString', 'POLICY_NOT_FOUND'],
    ['GET', '/users/{user}/totps/constructor', 'TOTP_NOT_FOUND'],
    ['DELETE', '/users/{user}/totps/constructor', 'TOTP_NOT_FOUND'],
    ['GET', '/users/{user}/passcodes/__proto__', 'PASSCODE_NOT_FOUND'],
    ['DELETE', '/users/{user}/passcodes/constructor', 'PASSCODE_NOT_FOUND'],
    ['GET', '/users/{user}/passkeys/__proto__', 'PASSKEY_NOT_FOUND'],
    ['DELETE', '/users/{user}/passkeys/__proto__', 'PASSKEY_NOT_FOUND'],
    ['POST', '/passcodes/authentications/sessions/constructor', 'PASSCODE_SESSION_NOT_FOUND'],
    ['POST', '/passkeys/registrations/sessions/__proto__', 'PASSKEY_SESSION_NOT_FOUND'],
  ])('%s %s is 404 %s and changes nothing', async (method, path, code) => {
    const before = await call('GET', store(''));
    const body = method === 'POST' ? bodyFor(path) : undefined;
    const answer = await call(method, store(path.replace('{user}', userId)), body);
    expect([answer.status, answer.body?.code]).toEqual([404, code]);
    const after = await call('GET', store(''));
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
  });

  it('takes `constructor` as the name of a policy like any other', async () => {
    const created = await call('POST', store('/totpPolicy'), { name: 'constructor', issuer: 'Proto' });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body.totpPolicies).sort()).toEqual(['constructor', 'default']);
    const read = await call('GET', store('/totpPolicy/constructor'));
    expect([read.status, read.body.issuer]).toEqual([200, 'Proto']);
    expect((await call('DELETE', store('/totpPolicy/constructor'))).status).toBe(200);
    expect((await call('GET', store('/totpPolicy/constructor'))).status).toBe(404);
  });
});

/** A body that passes validation for each POST of the table above (so the lookup is what answers). */
const bodyFor = (path: string): unknown => {
  if (path.startsWith('/totpPolicy/')) return { issuer: 'x' };
  if (path.includes('/passcodes/authentications/sessions/')) return { A: 'ab'.repeat(256), M1: 'ab'.repeat(32) };
  if (path.includes('/passkeys/registrations/sessions/'))
    return {
      id: 'AAAA',
      rawId: 'AAAA',
      type: 'public-key',
      clientExtensionResults: {},
      response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
    };
  return undefined;
};
