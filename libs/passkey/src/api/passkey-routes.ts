import {
  authenticatePasskeyBodySchema,
  completePasskeyAuthenticationBodySchema,
  completePasskeyRegistrationBodySchema,
  notFound,
  pageOfItems,
  pageQuerySchema,
  passkeyRpIdSchema,
  policyNameSchema,
  registerPasskeyBodySchema,
  startStorePasskeyRegistrationBodySchema,
  startUsernamelessPasskeyAuthenticationBodySchema,
  storeNameSchema,
  updatePasskeyBodySchema,
  ownEntry,
} from '@identity-store/contracts';
import {
  requestMetadata,
  type Router,
  userPathParams,
  userScopedRoutes,
  validate,
} from '@identity-store/http-kit';
import { userRefOf } from '@identity-store/service-clients';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import { listPasskeyResources, toPasskeyResource } from '../domain/passkey-views';
import type { PasskeyService } from '../passkey-service';

const S = '/api/identity-store/stores/:storeName';
/** rpId: any segment that is a domain name; unknown ones are 404 PASSKEY_CONFIG_NOT_FOUND. */
const registrationParams = userPathParams.extend({
  rpId: passkeyRpIdSchema,
  regPolicyName: policyNameSchema,
});
const authenticationParams = userPathParams.extend({
  rpId: passkeyRpIdSchema,
  authPolicyName: policyNameSchema,
});
const storeParams = z.object({ storeName: storeNameSchema });
const idParams = userPathParams.extend({ id: z.string().min(1).max(64) });
const sessionParams = storeParams.extend({ sessionId: z.string().min(1).max(64) });

/**
 * The zod output of a WebAuthn response has the shape of @simplewebauthn's JSON types, with plain
 * strings where they list enumerations (transports: unknown future ones are kept, as WebAuthn asks).
 */
const asRegistrationResponse = (body: object) => body as unknown as RegistrationResponseJSON;
const asAuthenticationResponse = (body: object) => body as unknown as AuthenticationResponseJSON;

/**
 * Passkey routes. User-scoped ones are mounted twice: by internal user id and, with a trailing
 * `/ext`, by external id, exactly as the operation table lists them. Ceremonies complete on
 * store-level session paths; store-level starts and the one-call variants name the user in the
 * body. (The registration audit is the audit service's: `GET …/passkeys/{id}/registrationAudit`.)
 */
export const passkeyRoutes = (passkeys: PasskeyService): Router => {
  const { router, on } = userScopedRoutes('passkeys');

  // ---- registration ----
  on('post', '/relyingParties/:rpId/registrations/:regPolicyName', async (req, res) => {
    const { params } = validate(req, { params: registrationParams });
    res
      .status(201)
      .json(
        await passkeys.startRegistration(
          { storeName: params.storeName, ref: userRefOf(params), rpId: params.rpId, policyName: params.regPolicyName },
          requestMetadata(req),
        ),
      );
  });

  router.post(`${S}/passkeys/relyingParties/:rpId/registrations/:regPolicyName`, async (req, res) => {
    const { params, body } = validate(req, {
      params: storeParams.extend({ rpId: passkeyRpIdSchema, regPolicyName: policyNameSchema }),
      body: startStorePasskeyRegistrationBodySchema,
    });
    res
      .status(201)
      .json(
        await passkeys.startRegistration(
          { storeName: params.storeName, ref: userRefOf(body), rpId: params.rpId, policyName: params.regPolicyName },
          requestMetadata(req),
        ),
      );
  });

  router.post(`${S}/passkeys/registrations/sessions/:sessionId`, async (req, res) => {
    const { params, body } = validate(req, {
      params: sessionParams,
      body: completePasskeyRegistrationBodySchema,
    });
    const { name, context, ...response } = body;
    res.json(
      await passkeys.completeRegistration(
        params.storeName,
        params.sessionId,
        { response: asRegistrationResponse(response), name, context },
        requestMetadata(req),
      ),
    );
  });

  router.post(`${S}/passkeys/registrations`, async (req, res) => {
    const { params, body } = validate(req, { params: storeParams, body: registerPasskeyBodySchema });
    res.json(
      await passkeys.registerInOneCall(
        { storeName: params.storeName, ref: userRefOf(body), rpId: body.rpId, policyName: body.policyName },
        { response: asRegistrationResponse(body.credential), name: body.name, context: body.context },
        requestMetadata(req),
      ),
    );
  });

  // ---- authentication ----
  on('post', '/relyingParties/:rpId/authentications/:authPolicyName', async (req, res) => {
    const { params } = validate(req, { params: authenticationParams });
    res
      .status(201)
      .json(
        await passkeys.startAuthentication(
          { storeName: params.storeName, ref: userRefOf(params), rpId: params.rpId, policyName: params.authPolicyName },
          requestMetadata(req),
        ),
      );
  });

  router.post(`${S}/passkeys/relyingParties/:rpId/authentications/:authPolicyName`, async (req, res) => {
    const { params } = validate(req, {
      params: storeParams.extend({ rpId: passkeyRpIdSchema, authPolicyName: policyNameSchema }),
      body: startUsernamelessPasskeyAuthenticationBodySchema,
    });
    res
      .status(201)
      .json(
        await passkeys.startUsernamelessAuthentication(
          { storeName: params.storeName, rpId: params.rpId, policyName: params.authPolicyName },
          requestMetadata(req),
        ),
      );
  });

  router.post(`${S}/passkeys/authentications/sessions/:sessionId`, async (req, res) => {
    const { params, body } = validate(req, {
      params: sessionParams,
      body: completePasskeyAuthenticationBodySchema,
    });
    const { context, ...response } = body;
    const outcome = await passkeys.completeAuthentication(
      params.storeName,
      params.sessionId,
      { response: asAuthenticationResponse(response), context },
      requestMetadata(req),
    );
    res.status(outcome.result === 'SUCCESS' ? 200 : 400).json(outcome);
  });

  router.post(`${S}/passkeys/authentications`, async (req, res) => {
    const { params, body } = validate(req, { params: storeParams, body: authenticatePasskeyBodySchema });
    const outcome = await passkeys.authenticateInOneCall(
      { storeName: params.storeName, ref: userRefOf(body), rpId: body.rpId, policyName: body.policyName },
      { response: asAuthenticationResponse(body.credential), context: body.context },
      requestMetadata(req),
    );
    res.status(outcome.result === 'SUCCESS' ? 200 : 400).json(outcome);
  });

  // ---- the user's passkeys ----
  on('get', '', async (req, res) => {
    const { params, query } = validate(req, { params: userPathParams, query: pageQuerySchema });
    const { state } = await passkeys.state(params.storeName, userRefOf(params));
    res.json(pageOfItems(listPasskeyResources(state), query));
  });

  const requirePasskey = async (params: z.output<typeof idParams>) => {
    const { state } = await passkeys.state(params.storeName, userRefOf(params));
    const passkey = ownEntry(state.passkeys, params.id);
    if (!passkey) throw notFound('PASSKEY_NOT_FOUND', `Passkey ${params.id} does not exist.`);
    return toPasskeyResource(passkey);
  };

  on('get', '/:id', async (req, res) => {
    const { params } = validate(req, { params: idParams });
    res.json(await requirePasskey(params));
  });

  on('post', '/:id', async (req, res) => {
    const { params, body } = validate(req, { params: idParams, body: updatePasskeyBodySchema });
    await passkeys.change(
      params.storeName,
      userRefOf(params),
      { type: 'UpdatePasskey', passkeyId: params.id, ...body },
      requestMetadata(req),
    );
    res.json(await requirePasskey(params));
  });

  on('delete', '/:id', async (req, res) => {
    const { params } = validate(req, { params: idParams });
    await passkeys.change(
      params.storeName,
      userRefOf(params),
      { type: 'DeletePasskey', passkeyId: params.id },
      requestMetadata(req),
    );
    res.status(204).end();
  });

  return router;
};
