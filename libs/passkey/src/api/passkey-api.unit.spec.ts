import type { PasskeyConfig } from '@identity-store/contracts';
import { createLogger, createServiceApps } from '@identity-store/http-kit';
import {
  ApiSpecification,
  emptySummaries,
  expectResponse,
  fixedIdentityQueries,
  grantedByGateway,
  SoftwareAuthenticator,
  testStore,
  testUser,
} from '@identity-store/testing';
import { PasskeyService } from '../passkey-service';
import { passkeyApi } from './passkey-api';

/**
 * The passkey service's handlers on the in-memory event store: the changelog's `hints` of the
 * starts and of the one-call completions. Responses come from libs/testing's software
 * authenticator; the full ceremonies are the e2e suite's (apps/embedded passkeys.e2e.spec.ts).
 */

const RP = 'example.com';
const ORIGIN = 'https://example.com';
const config: PasskeyConfig = {
  rpId: RP,
  rpName: 'Example',
  origins: [ORIGIN],
  registrationPolicies: {
    default: { attestation: 'none', residentKey: 'required', userVerification: 'preferred', hints: ['client-device', 'hybrid'] },
  },
  authenticationPolicies: { default: { userVerification: 'preferred', hints: ['security-key'], timeout: 60_000 } },
};
const store = testStore({ passkeyConfigs: { [RP]: config } });
const user = testUser(store);
const STORE = `/api/identity-store/stores/${store.name}`;
const USER = `${STORE}/users/${user.id}`;

const given = ApiSpecification.for((eventStore) => {
  const passkeys = new PasskeyService(eventStore, fixedIdentityQueries([store], [user]), emptySummaries);
  const logger = createLogger('passkey-api-unit', 'silent');
  const { app } = createServiceApps({ name: 'passkey', logger, routers: [passkeyApi(passkeys)], trust: { service: 'passkey' } });
  return grantedByGateway('passkey', app);
});

/** The data of the published events of a type (their integration form, as the audit reads them). */
const publishedData = (spec: ReturnType<typeof given>, type: string) =>
  spec.eventStore.outbox
    .map((entry) => JSON.parse(entry.value) as { type: string; data: Record<string, unknown> })
    .filter((event) => event.type === type)
    .map((event) => event.data);

describe('passkey API (in memory): hints', () => {
  it('a start answers the policy’s hints at top level, as publicKey.hints has them', () =>
    given()
      .when(async (api) => {
        const registration = await api.post(`${USER}/passkeys/relyingParties/${RP}/registrations/default`).expect(201);
        expect([registration.body.hints, registration.body.publicKey.hints]).toEqual([
          ['client-device', 'hybrid'],
          ['client-device', 'hybrid'],
        ]);
        return api.post(`${STORE}/passkeys/relyingParties/${RP}/authentications/default`).send({});
      })
      .then(expectResponse(201, { body: { hints: ['security-key'], publicKey: { hints: ['security-key'] } } })));

  it('one-call completions record the hints the client named beside the options’ hints', async () => {
    const spec = given();
    const phone = new SoftwareAuthenticator();
    await spec
      .when(async (api) => {
        const started = await api.post(`${USER}/passkeys/relyingParties/${RP}/registrations/default`).expect(201);
        const credential = phone.createCredential(started.body.publicKey, { origin: ORIGIN });
        const target = { userId: user.id, rpId: RP, policyName: 'default' };
        await api.post(`${STORE}/passkeys/registrations`).send({ ...target, credential, hints: ['hybrid'] }).expect(200);
        const challenge = await api.post(`${USER}/passkeys/relyingParties/${RP}/authentications/default`).expect(201);
        const assertion = phone.getAssertion(challenge.body.publicKey, { origin: ORIGIN });
        return api.post(`${STORE}/passkeys/authentications`).send({ ...target, credential: assertion, hints: [] });
      })
      .then(expectResponse(200, { body: { result: 'SUCCESS' } }));
    expect(publishedData(spec, 'PasskeyRegistrationCompleted')).toEqual([
      expect.objectContaining({ hints: ['client-device', 'hybrid'], clientHints: ['hybrid'] }),
    ]);
    expect(publishedData(spec, 'PasskeyAuthenticationSucceeded')).toEqual([
      expect.objectContaining({ hints: ['security-key'], clientHints: [] }),
    ]);
  });

  it('refuses hints that are no hints, or repeated, naming each entry', () =>
    given()
      .when((api) =>
        api.post(`${STORE}/passkeys/authentications`).send({
          userId: user.id,
          rpId: RP,
          policyName: 'default',
          credential: { id: 'abc', rawId: 'abc', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'YQ', signature: 'cw' } },
          hints: ['usb', 'hybrid', 'hybrid'],
        }),
      )
      .then(expectResponse(400, { body: { code: 'VALIDATION_FAILED' } }), (response) =>
        expect((response.body.errors as { path: string }[]).map((error) => error.path)).toEqual(['body.hints.0', 'body.hints.2']),
      ));
});
