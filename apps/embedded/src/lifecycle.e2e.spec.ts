import pg from 'pg';
import { SoftwareAuthenticator, uniqueName } from '@identity-store/testing';
import { srpCredentials } from './testing/credential-clients';
import { currentStep, totpCode } from './testing/totp-client';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';

/**
 * Test audit F16: user and store deletion end to end through the gateway, on real PostgreSQL and
 * Kafka. A deleted user is gone for every service (identity, TOTP, passcode, passkey, audit), its
 * summary is removed by the audit projection (UserDeleted), and a deleted store's name is free again.
 */

const RP_ID = 'example.com';
const ORIGIN = 'https://login.example.com';
const passkeyConfig = {
  rpName: 'Example',
  origins: [ORIGIN],
  registrationPolicies: { default: {} },
  authenticationPolicies: { default: {} },
};

describe('user and store deletion end to end (F16)', () => {
  const { call, api, system } = useE2eSystem('e2e_life');
  const storeName = uniqueName('life');

  /** Rows of the audit service's summary documents for a user (its own database). */
  const summaryRows = async (userId: string): Promise<number> => {
    const client = new pg.Client({ connectionString: system().databases.audit });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT 1 FROM documents WHERE collection = 'summaries' AND id = $1`, [userId]);
      return rows.length;
    } finally {
      await client.end();
    }
  };

  /** Polls until `read` returns `expected` (the projection runs asynchronously, on Kafka); bounded. */
  const eventually = async <T>(read: () => Promise<T>, expected: T, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let value = await read();
    while (value !== expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      value = await read();
    }
    return value;
  };

  const expectNotFound = (answer: HttpAnswer, code: string, label: string) =>
    expect({ label, status: answer.status, code: answer.body?.code }).toEqual({ label, status: 404, code });

  it('a deleted user is 404 everywhere: identity, TOTP, passcode, passkey and audit; its summary is removed', async () => {
    const created = await call('POST', api(''), {
      name: storeName,
      totpPolicies: { default: { issuer: 'Acme' } },
      passcodePolicies: { default: {} },
      passkeyConfigs: { [RP_ID]: passkeyConfig },
    });
    expect(created.status).toBe(201);
    const alice = (await call('POST', api(`/${storeName}/users`), { extId: 'alice' })).body as { id: string };
    const user = (path: string) => api(`/${storeName}/users/${alice.id}${path}`);

    // One credential of each kind, and an authentication audit.
    const totp = await call('POST', user('/totps/registrations/default'));
    expect(totp.status).toBe(201);
    const totpDone = await call('POST', user('/totps/registrations/default/complete'), { code: totpCode(totp.body.secret, currentStep()) });
    expect(totpDone.status).toBe(200);
    const authenticated = await call('POST', user('/totps/authentications/default'), { code: totpCode(totp.body.secret, currentStep() + 1) });
    expect(authenticated.status).toBe(200);
    const passcodeStart = await call('POST', user('/passcodes/registrations/default'));
    const passcodeDone = await call(
      'POST',
      api(`/${storeName}/passcodes/registrations/sessions/${passcodeStart.body.sessionId}`),
      srpCredentials(alice.id, 'correct horse battery staple'),
    );
    expect(passcodeDone.status).toBe(200);
    const passkeyStart = await call('POST', user(`/passkeys/relyingParties/${RP_ID}/registrations/default`));
    const response = new SoftwareAuthenticator().createCredential(passkeyStart.body.publicKey, { origin: ORIGIN });
    const passkeyDone = await call('POST', api(`/${storeName}/passkeys/registrations/sessions/${passkeyStart.body.sessionId}`), response);
    expect(passkeyDone.status).toBe(200);
    // A write's answer shows its own family's effect; another family's earlier write may still be on
    // its way through the projection. A read with the session's Consistency-Token sees them all.
    const summary = (await call('GET', user(''))).body.summaryInfo;
    expect([summary.totps.count, summary.passcodes.count, summary.passkeys.count]).toEqual([1, 1, 1]);
    const passkeyId: string = summary.passkeys.items[0].id;
    expect(await summaryRows(alice.id)).toBe(1);
    // A ceremony left open before the deletion.
    const openPasscodeSession = (await call('POST', user('/passcodes/authentications/default'))).body.sessionId as string;
    expect(openPasscodeSession).toEqual(expect.any(String));

    expect((await call('DELETE', user(''))).status).toBe(204);

    expectNotFound(await call('GET', user('')), 'USER_NOT_FOUND', 'getUser');
    expectNotFound(await call('GET', api(`/${storeName}/users/alice/ext`)), 'USER_NOT_FOUND', 'getUserByExtId');
    expectNotFound(await call('POST', user(''), { status: 'DISABLED' }), 'USER_NOT_FOUND', 'updateUser');
    expectNotFound(await call('DELETE', user('')), 'USER_NOT_FOUND', 'deleteUser again');
    expectNotFound(await call('GET', user('/totps')), 'USER_NOT_FOUND', 'listTotps');
    expectNotFound(await call('GET', user(`/totps/${totp.body.id}`)), 'USER_NOT_FOUND', 'getTotp');
    expectNotFound(
      await call('POST', user('/totps/authentications/default'), { code: totpCode(totp.body.secret, currentStep() + 2) }),
      'USER_NOT_FOUND',
      'authenticateTotp',
    );
    expectNotFound(await call('GET', user('/passcodes')), 'USER_NOT_FOUND', 'listPasscodes');
    expectNotFound(await call('POST', user('/passcodes/authentications/default')), 'USER_NOT_FOUND', 'startPasscodeAuthentication');
    const completion = await call('POST', api(`/${storeName}/passcodes/authentications/sessions/${openPasscodeSession}`), {
      A: 'ab'.repeat(256),
      M1: 'ab'.repeat(32),
    });
    expect(completion.status).toBe(404);
    expectNotFound(await call('GET', user('/passkeys')), 'USER_NOT_FOUND', 'listPasskeys');
    expectNotFound(await call('GET', user(`/passkeys/${passkeyId}`)), 'USER_NOT_FOUND', 'getPasskey');
    expectNotFound(
      await call('POST', user(`/passkeys/relyingParties/${RP_ID}/authentications/default`)),
      'USER_NOT_FOUND',
      'startPasskeyAuthentication',
    );
    expect((await call('GET', user(`/authentications/${authenticated.body.authenticationId}`))).status).toBe(404);
    expect((await call('GET', api(`/${storeName}/users`))).body.totalElements).toBe(0);

    // The audit projection handled UserDeleted: the summary document is gone.
    expect(await eventually(() => summaryRows(alice.id), 0)).toBe(0);

    // The external id is free again, for a new user with a new id and an empty summary.
    const again = await call('POST', api(`/${storeName}/users`), { extId: 'alice' });
    expect(again.status).toBe(200);
    expect(again.body.id).not.toBe(alice.id);
    expect([again.body.summaryInfo.totps.count, again.body.summaryInfo.passcodes.count, again.body.summaryInfo.passkeys.count]).toEqual([0, 0, 0]);
  });

  it('a deleted store takes its users with it, and its name can be used again', async () => {
    const name = uniqueName('life_store');
    const first = await call('POST', api(''), { name, totpPolicies: { default: { issuer: 'Acme' } } });
    expect(first.status).toBe(201);
    const bob = (await call('POST', api(`/${name}/users`), { extId: 'bob' })).body as { id: string };
    expect((await call('GET', api(`/${name}/users/${bob.id}`))).status).toBe(200);

    expect((await call('DELETE', api(`/${name}`))).status).toBe(204);
    expectNotFound(await call('GET', api(`/${name}`)), 'STORE_NOT_FOUND', 'getStore');
    expectNotFound(await call('GET', api(`/${name}/users/${bob.id}`)), 'STORE_NOT_FOUND', 'getUser');
    expectNotFound(await call('GET', api(`/${name}/users`)), 'STORE_NOT_FOUND', 'listUsers');
    expectNotFound(await call('POST', api(`/${name}/users/${bob.id}/totps/registrations/default`)), 'STORE_NOT_FOUND', 'startTotpRegistration');
    expect((await call('GET', api('?size=100'))).body.content.map((s: { name: string }) => s.name)).not.toContain(name);

    const reused = await call('POST', api(''), { name });
    expect(reused.status).toBe(201);
    expect(reused.body.id).not.toBe(first.body.id);
    expect(reused.body.totpPolicies).toEqual({});
    // The old store's users do not come back with the name.
    expectNotFound(await call('GET', api(`/${name}/users/${bob.id}`)), 'USER_NOT_FOUND', 'old user in the new store');
    expect((await call('GET', api(`/${name}/users`))).body.totalElements).toBe(0);
    expect((await call('POST', api(`/${name}/users`), { extId: 'bob' })).status).toBe(200);
  });
});
