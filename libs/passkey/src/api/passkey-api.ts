import { pageOfItems, passkeyOperations } from '@identity-store/contracts';
import { created, noContent, ok, operationsRouter, type Reply, type Router } from '@identity-store/http-kit';
import { userRefOf } from '@identity-store/service-clients';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { PasskeyService } from '../passkey-service';

/**
 * The zod output of a WebAuthn response has the shape of @simplewebauthn's JSON types, with plain
 * strings where they list enumerations (transports: unknown future ones are kept, as WebAuthn asks).
 */
const asRegistrationResponse = (body: object) => body as unknown as RegistrationResponseJSON;
const asAuthenticationResponse = (body: object) => body as unknown as AuthenticationResponseJSON;

/** A completed authentication: 200 on success, 400 with the same body on a failed one. */
const outcomeReply = (outcome: { result: 'SUCCESS' | 'FAILURE' }): Reply => ({
  status: outcome.result === 'SUCCESS' ? 200 : 400,
  body: outcome,
});

/**
 * The passkey service's handlers, keyed by operation id and mounted from its operation table.
 * Ceremonies complete on store-level session paths; store-level starts and the one-call variants
 * name the user in the body. (The registration audit is the audit service's.)
 */
export const passkeyApi = (passkeys: PasskeyService): Router =>
  operationsRouter(passkeyOperations, {
    // ---- registration ----
    startPasskeyRegistration: async ({ params, metadata }) =>
      created(
        await passkeys.startRegistration(
          { storeName: params.storeName, ref: userRefOf(params), rpId: params.rpId, policyName: params.regPolicyName },
          metadata,
        ),
      ),

    startStorePasskeyRegistration: async ({ params, body, metadata }) =>
      created(
        await passkeys.startRegistration(
          { storeName: params.storeName, ref: userRefOf(body), rpId: params.rpId, policyName: params.regPolicyName },
          metadata,
        ),
      ),

    completePasskeyRegistration: async ({ params, body, metadata }) => {
      const { name, context, ...response } = body;
      return ok(
        await passkeys.completeRegistration(
          params.storeName,
          params.sessionId,
          { response: asRegistrationResponse(response), name, context },
          metadata,
        ),
      );
    },

    registerPasskey: async ({ params, body, metadata }) =>
      ok(
        await passkeys.registerInOneCall(
          { storeName: params.storeName, ref: userRefOf(body), rpId: body.rpId, policyName: body.policyName },
          { response: asRegistrationResponse(body.credential), name: body.name, context: body.context, hints: body.hints },
          metadata,
        ),
      ),

    // ---- authentication ----
    startPasskeyAuthentication: async ({ params, metadata }) =>
      created(
        await passkeys.startAuthentication(
          { storeName: params.storeName, ref: userRefOf(params), rpId: params.rpId, policyName: params.authPolicyName },
          metadata,
        ),
      ),

    startUsernamelessPasskeyAuthentication: async ({ params, metadata }) =>
      created(
        await passkeys.startUsernamelessAuthentication(
          { storeName: params.storeName, rpId: params.rpId, policyName: params.authPolicyName },
          metadata,
        ),
      ),

    completePasskeyAuthentication: async ({ params, body, metadata }) => {
      const { context, ...response } = body;
      return outcomeReply(
        await passkeys.completeAuthentication(
          params.storeName,
          params.sessionId,
          { response: asAuthenticationResponse(response), context },
          metadata,
        ),
      );
    },

    authenticatePasskey: async ({ params, body, metadata }) =>
      outcomeReply(
        await passkeys.authenticateInOneCall(
          { storeName: params.storeName, ref: userRefOf(body), rpId: body.rpId, policyName: body.policyName },
          { response: asAuthenticationResponse(body.credential), context: body.context, hints: body.hints },
          metadata,
        ),
      ),

    // ---- the user's passkeys ----
    listPasskeys: async ({ params, query }) => ok(pageOfItems(await passkeys.list(params.storeName, userRefOf(params)), query)),

    getPasskey: async ({ params }) => ok(await passkeys.passkeyOf(params.storeName, userRefOf(params), params.id)),

    updatePasskey: async ({ params, body, metadata }) => {
      await passkeys.change(params.storeName, userRefOf(params), { type: 'UpdatePasskey', passkeyId: params.id, ...body }, metadata);
      return ok(await passkeys.passkeyOf(params.storeName, userRefOf(params), params.id));
    },

    deletePasskey: async ({ params, metadata }) => {
      await passkeys.change(params.storeName, userRefOf(params), { type: 'DeletePasskey', passkeyId: params.id }, metadata);
      return noContent();
    },
  });
