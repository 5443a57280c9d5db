import { uniqueName } from '@identity-store/testing';
import { useE2eSystem } from './testing/e2e-system';
import { currentStep, totpCode } from './testing/totp-client';

/**
 * The identity lookups kept in memory (users, stores) never let a user authenticate after it was
 * disabled or deleted: one process, embedded default (in-process transport), the lookups warmed by
 * reads and successful authentications first.
 */
describe('identity lookups in memory, end to end (in-process transport)', () => {
  const { call, api } = useE2eSystem('e2e_lookups', { transport: { kind: 'in-process' } });
  const storeName = uniqueName('lookups');
  const user = (id: string, path = '') => api(`/${storeName}/users/${id}${path}`);

  /** A user with a completed TOTP registration; returns its id and secret. */
  const userWithTotp = async (extId: string) => {
    const created = await call('POST', api(`/${storeName}/users`), { extId });
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    const started = await call('POST', user(id, '/totps/registrations/default'));
    expect(started.status).toBe(201);
    const secret = started.body.secret as string;
    expect((await call('POST', user(id, '/totps/registrations/default/complete'), { code: totpCode(secret, currentStep()) })).status).toBe(200);
    return { id, secret };
  };
  /** An authentication with the next step's code (the registration used the current one; window 1). */
  const authenticate = (id: string, secret: string, code = totpCode(secret, currentStep() + 1)) =>
    call('POST', user(id, '/totps/authentications/default'), { code });

  it('sets up a store with a TOTP policy', async () => {
    const created = await call('POST', api(''), {
      name: storeName,
      totpPolicies: { default: { issuer: 'Lookups', window: 1, maxFailedAttempts: 10 } },
    });
    expect(created.status).toBe(201);
  });

  it('a user disabled right after authenticating is refused at once (403 USER_NOT_ACTIVE), and not once enabled again', async () => {
    const { id, secret } = await userWithTotp('to-disable');
    expect((await call('GET', user(id))).body.status).toBe('ACTIVE');
    expect((await authenticate(id, secret)).status).toBe(200);

    expect((await call('POST', user(id), { status: 'DISABLED' })).status).toBe(200);
    const refused = await authenticate(id, secret);
    expect([refused.status, refused.body.code]).toEqual([403, 'USER_NOT_ACTIVE']);
    expect((await call('GET', user(id))).body.status).toBe('DISABLED');

    // Enabled again: its next attempt is judged on the code (that step's code is used up), not refused as inactive.
    expect((await call('POST', user(id), { status: 'ACTIVE' })).status).toBe(200);
    const judged = await authenticate(id, secret);
    expect(judged.status).not.toBe(403);
    expect(judged.body.code).not.toBe('USER_NOT_ACTIVE');
  });

  it('a user deleted right after authenticating is not found (404) by the credential service or the API', async () => {
    const { id, secret } = await userWithTotp('to-delete');
    expect((await authenticate(id, secret)).status).toBe(200);
    expect((await call('DELETE', user(id))).status).toBe(204);
    const refused = await authenticate(id, secret);
    expect([refused.status, refused.body.code]).toEqual([404, 'USER_NOT_FOUND']);
    expect((await call('GET', user(id))).status).toBe(404);
  });
});
