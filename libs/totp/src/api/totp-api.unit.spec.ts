import { topics, type TotpPolicy } from '@identity-store/contracts';
import { generateSecretsKey, SecretBox } from '@identity-store/crypto';
import { createLogger, createServiceApps } from '@identity-store/http-kit';
import {
  ApiSpecification,
  type ApiRequest,
  emptySummaries,
  expectResponse,
  fixedIdentityQueries,
  grantedByGateway,
  testStore,
  testUser,
} from '@identity-store/testing';
import { type TOTP, URI } from 'otpauth';
import { TotpService } from '../totp-service';
import { totpApi } from './totp-api';

/**
 * The TOTP service's handlers on the in-memory event store: what they answer, without a database.
 * Codes come from otpauth (an RFC 6238 implementation independent of libs/totp), built from the
 * `otpauth://` URI the registration answers.
 */

const policy: TotpPolicy = {
  name: 'main',
  issuer: 'Acme',
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  window: 0,
  maxFailedAttempts: 3,
  lockoutDuration: 'PT15M',
};
const store = testStore({ totpPolicies: { main: policy, backup: { ...policy, name: 'backup' } } });
const user = testUser(store);
const TOTPS = `/api/identity-store/stores/${store.name}/users/${user.id}/totps`;
const START = new Date('2026-11-30T10:00:05.000Z');

let now = START;
/** Moves the service's clock on by whole TOTP periods (a new time step each). */
const laterBy = (periods: number) => {
  now = new Date(now.getTime() + periods * policy.period * 1000);
};

const given = ApiSpecification.for((eventStore) => {
  const totp = new TotpService(
    eventStore,
    fixedIdentityQueries([store], [user]),
    emptySummaries,
    new SecretBox(generateSecretsKey()),
    () => now,
  );
  const logger = createLogger('totp-api-unit', 'silent');
  const { app } = createServiceApps({ name: 'totp', logger, routers: [totpApi(totp)], trust: { service: 'totp' } });
  return grantedByGateway('totp', app);
});

beforeEach(() => {
  now = START;
});

const codeOf = (totp: TOTP) => totp.generate({ timestamp: now.getTime() });
/** A code of the right shape that is not the current one. */
const wrongCodeOf = (totp: TOTP) => String((Number(codeOf(totp)) + 1) % 1_000_000).padStart(6, '0');

/** Starts and completes a registration; the authenticator app's TOTP. */
const registered = async (api: ApiRequest): Promise<TOTP> => {
  const started = await api.post(`${TOTPS}/registrations/main`).expect(201);
  const totp = URI.parse(started.body.otpauthUri) as TOTP;
  await api.post(`${TOTPS}/registrations/main/complete`).send({ code: codeOf(totp) }).expect(200);
  laterBy(1); // the completion used this time step's code
  return totp;
};

describe('TOTP API (in memory)', () => {
  it('registers a TOTP with a code an independent RFC 6238 implementation computes', () =>
    given()
      .when(async (api) => {
        const started = await api.post(`${TOTPS}/registrations/main`);
        expect(started.status).toBe(201);
        expect(started.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
        const totp = URI.parse(started.body.otpauthUri) as TOTP;
        expect(totp.secret.base32).toBe(started.body.secret);
        expect((await api.get(`${TOTPS}/registrations/main`)).body).toMatchObject({ status: 'PENDING' });
        return api.post(`${TOTPS}/registrations/main/complete`).send({ code: codeOf(totp) });
      })
      .then(expectResponse(200, { body: { id: user.id, extId: user.extId, summaryInfo: expect.any(Object) } })));

  it('shows a completed registration as ACTIVE', () =>
    given()
      .when(async (api) => {
        await registered(api);
        return api.get(`${TOTPS}/registrations/main`);
      })
      .then(expectResponse(200, { body: { policyName: 'main', status: 'ACTIVE', failedAttempts: 0 } })));

  it('publishes the registration on the TOTP topic without its secret', async () => {
    const spec = given();
    let secret = '';
    await spec
      .when(async (api) => {
        const started = await api.post(`${TOTPS}/registrations/main`).expect(201);
        secret = started.body.secret;
        const totp = URI.parse(started.body.otpauthUri) as TOTP;
        return api.post(`${TOTPS}/registrations/main/complete`).send({ code: codeOf(totp) });
      })
      .then(expectResponse(200));
    const published = spec.eventStore.outbox;
    expect(published.map((entry) => entry.topic)).toEqual([topics.totp, topics.totp]);
    expect(published.map((entry) => entry.value).join('\n')).not.toMatch(new RegExp(`${secret}|encryptedSecret`));
  });

  it('refuses to complete a registration with a wrong code', () =>
    given()
      .when(async (api) => {
        const started = await api.post(`${TOTPS}/registrations/main`).expect(201);
        const totp = URI.parse(started.body.otpauthUri) as TOTP;
        return api.post(`${TOTPS}/registrations/main/complete`).send({ code: wrongCodeOf(totp) });
      })
      .then(expectResponse(400, { body: { code: 'INVALID_CODE' } })));

  it('accepts a code once and refuses the same code again as replayed', () =>
    given()
      .when(async (api) => {
        const totp = await registered(api);
        const code = codeOf(totp);
        await api
          .post(`${TOTPS}/authentications/main`)
          .send({ code })
          .expect(200)
          .expect((response) => expect(response.body).toMatchObject({ result: 'SUCCESS' }));
        return api.post(`${TOTPS}/authentications/main`).send({ code });
      })
      .then(expectResponse(400, { body: { result: 'FAILURE', reason: 'CODE_REPLAYED' } })));

  it('counts a wrong code as a failed attempt', () =>
    given()
      .when(async (api) => {
        const totp = await registered(api);
        await api
          .post(`${TOTPS}/authentications/main`)
          .send({ code: wrongCodeOf(totp) })
          .expect(400)
          .expect((response) => expect(response.body).toMatchObject({ result: 'FAILURE', reason: 'INVALID_CODE' }));
        return api.get(`${TOTPS}/registrations/main`);
      })
      .then(expectResponse(200, { body: { status: 'ACTIVE', failedAttempts: 1 } })));

  it('locks the TOTP after the policy’s maximum of failed attempts, refusing even the right code', () =>
    given()
      .when(async (api) => {
        const totp = await registered(api);
        for (let attempt = 1; attempt <= policy.maxFailedAttempts; attempt++)
          await api.post(`${TOTPS}/authentications/main`).send({ code: wrongCodeOf(totp) }).expect(400);
        expect((await api.get(`${TOTPS}/registrations/main`)).body).toMatchObject({
          status: 'LOCKED',
          failedAttempts: policy.maxFailedAttempts,
        });
        laterBy(1);
        return api.post(`${TOTPS}/authentications/main`).send({ code: codeOf(totp) });
      })
      .then(expectResponse(423, { body: { code: 'TOTP_LOCKED' } })));

  it('shows the lock in summaryInfo while it runs, and the TOTP ACTIVE once it has run out', () =>
    given()
      .when(async (api) => {
        const totp = await registered(api);
        let failed = await api.post(`${TOTPS}/authentications/main`).send({ code: wrongCodeOf(totp) }).expect(400);
        for (let attempt = 2; attempt <= policy.maxFailedAttempts; attempt++)
          failed = await api.post(`${TOTPS}/authentications/main`).send({ code: wrongCodeOf(totp) }).expect(400);
        const [locked] = failed.body.user.summaryInfo.totps.items;
        expect(locked).toMatchObject({ status: 'LOCKED', lockedUntil: expect.any(String) });
        // The lock's end: no event happens then; the next answer with the user reads it at its own time.
        now = new Date(locked.lockedUntil);
        return api.post(`${TOTPS}/registrations/backup`);
      })
      .then(expectResponse(201), (response) =>
        expect(response.body.user.summaryInfo.totps.items).toEqual([
          expect.objectContaining({ policyName: 'main', status: 'ACTIVE', lockedUntil: now.toISOString() }),
          expect.objectContaining({ policyName: 'backup', status: 'PENDING', lockedUntil: null }),
        ]),
      ));

  it('names every bad field of a request in one problem', () =>
    given()
      .when((api) =>
        api.post(`${TOTPS}/authentications/bad%20policy!`).send({ code: '12ab', context: 'not an object', extra: 1 }),
      )
      .then(
        expectResponse(400, {
          body: { code: 'VALIDATION_FAILED' },
          headers: { 'content-type': /^application\/problem\+json/ },
        }),
        (response) =>
          expect((response.body.errors as { path: string }[]).map((error) => error.path)).toEqual(
            expect.arrayContaining(['params.policyName', 'body.code', 'body.context']),
          ),
      ));

  it('answers an unknown policy as not found', () =>
    given()
      .when((api) => api.post(`${TOTPS}/registrations/other`))
      .then(expectResponse(404, { body: { code: 'POLICY_NOT_FOUND' } })));

  it('answers an unknown user as not found', () =>
    given()
      .when((api) => api.post(`/api/identity-store/stores/${store.name}/users/nobody/totps/registrations/main`))
      .then(expectResponse(404, { body: { code: 'USER_NOT_FOUND' } })));
});
