import { passcodePolicySchema } from '@identity-store/contracts';
import { generateSecretsKey, SecretBox } from '@identity-store/crypto';
import { createLogger, createServiceApps } from '@identity-store/http-kit';
import {
  ApiSpecification,
  type ApiRequest,
  credentialsFor,
  emptySummaries,
  expectResponse,
  fixedIdentityQueries,
  grantedByGateway,
  proofFor,
  testStore,
  testUser,
} from '@identity-store/testing';
import { PasscodeService } from '../passcode-service';
import { passcodeApi } from './passcode-api';

/**
 * The passcode service's handlers on the in-memory event store: what they answer, without a
 * database. The client is fast-srp-hap's SrpClient (libs/testing's passcode client), an SRP-6a
 * implementation independent of libs/srp. The policy has no KDF, so no test waits for argon2id.
 */

const policy = passcodePolicySchema.parse({ name: 'default', kdf: null, maxFailedAttempts: 3 });
const store = testStore({ passcodePolicies: { default: policy } });
const user = testUser(store);
const STORE = `/api/identity-store/stores/${store.name}`;
const PASSCODES = `${STORE}/users/${user.id}/passcodes`;
const PASSCODE = 'correct horse battery staple';

const given = ApiSpecification.for((eventStore) => {
  const passcodes = new PasscodeService(
    eventStore,
    fixedIdentityQueries([store], [user]),
    emptySummaries,
    new SecretBox(generateSecretsKey()),
  );
  const logger = createLogger('passcode-api-unit', 'silent');
  const { app } = createServiceApps({
    name: 'passcode',
    logger,
    routers: [passcodeApi(passcodes)],
    trust: { service: 'passcode' },
  });
  return grantedByGateway('passcode', app);
});

/** Registers PASSCODE: a salt and verifier the client computed, on the started session. */
const registered = async (api: ApiRequest) => {
  const started = await api.post(`${PASSCODES}/registrations/default`).expect(201);
  const credentials = await credentialsFor(started.body.identity, PASSCODE, started.body.kdf);
  return api.post(`${STORE}/passcodes/registrations/sessions/${started.body.sessionId}`).send(credentials);
};

/** An authentication ceremony with `passcode`: the challenge, then the client's proof. */
const authenticateWith = async (api: ApiRequest, passcode: string) => {
  const challenge = await api.post(`${PASSCODES}/authentications/default`).expect(201);
  const proof = await proofFor(challenge.body, passcode);
  const answer = await api
    .post(`${STORE}/passcodes/authentications/sessions/${challenge.body.sessionId}`)
    .send({ A: proof.A, M1: proof.M1 });
  return { answer, proof };
};

describe('passcode API (in memory)', () => {
  it('registers a passcode from the verifier an independent SRP client computed', () =>
    given()
      .when(async (api) => {
        expect((await registered(api)).status).toBe(200);
        return api.get(`${PASSCODES}/registrations/default`);
      })
      .then(expectResponse(200, { body: { policyName: 'default', status: 'ACTIVE', failedAttempts: 0 } })));

  it('authenticates with the right passcode, and proves the server knows the verifier (M2)', () => {
    let checkM2 = (_M2: string): void => {
      throw new Error('no authentication ran');
    };
    return given()
      .when(async (api) => {
        expect((await registered(api)).status).toBe(200);
        const { answer, proof } = await authenticateWith(api, PASSCODE);
        checkM2 = proof.checkM2;
        return answer;
      })
      .then(expectResponse(200, { body: { result: 'SUCCESS', user: { id: user.id } } }), (response) =>
        expect(() => checkM2(response.body.M2)).not.toThrow(),
      );
  });

  it('refuses a wrong passcode as a failed attempt', () =>
    given()
      .when(async (api) => {
        expect((await registered(api)).status).toBe(200);
        const { answer } = await authenticateWith(api, 'not the passcode');
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ result: 'FAILURE', reason: 'INVALID_PROOF' });
        return api.get(`${PASSCODES}/registrations/default`);
      })
      .then(expectResponse(200, { body: { status: 'ACTIVE', failedAttempts: 1 } })));
});
