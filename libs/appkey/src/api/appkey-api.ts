import { appkeyOperations, pageOfItems } from '@identity-store/contracts';
import { userRequestOf } from '@identity-store/credential-kit';
import { created, ok, operationsRouter, type Reply, type Router } from '@identity-store/http-kit';
import { userRefOf } from '@identity-store/service-clients';
import type { AppkeyService } from '../appkey-service';

/** A completed authentication: 200 on success, 400 with the same body on a failed one. */
const outcomeReply = (outcome: { result: 'SUCCESS' | 'FAILURE' }): Reply => ({
  status: outcome.result === 'SUCCESS' ? 200 : 400,
  body: outcome,
});

/**
 * The appkey service's handlers, keyed by operation id and mounted from its operation table.
 * Ceremonies start on user paths and complete on store-level session paths; the one-call variants
 * name the user in the body. (The registration audit is the audit service's.)
 */
export const appkeyApi = (appkeys: AppkeyService): Router =>
  operationsRouter(appkeyOperations, {
    // ---- registration ----
    startAppkeyRegistration: async ({ params, metadata }) =>
      created(
        await appkeys.startRegistration(
          { storeName: params.storeName, ref: userRefOf(params), rpId: params.rpId, policyName: params.regPolicyName },
          metadata,
        ),
      ),

    completeAppkeyRegistration: async ({ params, body, metadata }) =>
      ok(await appkeys.completeRegistration(params.storeName, params.sessionId, body, metadata)),

    registerAppkey: async ({ params, body, metadata }) => {
      const { userId: _u, extId: _e, rpId, policyName, ...completion } = body;
      return ok(
        await appkeys.registerInOneCall({ storeName: params.storeName, ref: userRefOf(body), rpId, policyName }, completion, metadata),
      );
    },

    // ---- authentication ----
    startAppkeyAuthentication: async ({ params, body, metadata }) =>
      created(
        await appkeys.startAuthentication(
          { storeName: params.storeName, ref: userRefOf(params), rpId: params.rpId, policyName: params.authPolicyName },
          body ?? {},
          metadata,
        ),
      ),

    completeAppkeyAuthentication: async ({ params, body, metadata }) =>
      outcomeReply(await appkeys.completeAuthentication(params.storeName, params.sessionId, body, metadata)),

    authenticateAppkey: async ({ params, body, metadata }) => {
      const { userId: _u, extId: _e, rpId, policyName, ...completion } = body;
      return outcomeReply(
        await appkeys.authenticateInOneCall({ storeName: params.storeName, ref: userRefOf(body), rpId, policyName }, completion, metadata),
      );
    },

    // ---- per user and relying party ----
    deregisterAppkeys: async ({ params, body, metadata }) =>
      ok(await appkeys.deregister(userRequestOf(params, metadata), params.rpId, body)),

    setPreferredDevices: async ({ params, body, metadata }) => {
      const command = { type: 'SetPreferredDevices', rpId: params.rpId, deviceIds: body.deviceIds } as const;
      const { user, events } = await appkeys.change(userRequestOf(params, metadata), command);
      return ok(await appkeys.userView(user, events));
    },

    clearPreferredDevices: async ({ params, metadata }) => {
      const command = { type: 'SetPreferredDevices', rpId: params.rpId, deviceIds: [] as string[] } as const;
      const { user, events } = await appkeys.change(userRequestOf(params, metadata), command);
      return ok(await appkeys.userView(user, events));
    },

    removePreferredDevice: async ({ params, metadata }) => {
      const command = { type: 'RemovePreferredDevice', rpId: params.rpId, deviceId: params.deviceId } as const;
      const { user, events } = await appkeys.change(userRequestOf(params, metadata), command);
      return ok(await appkeys.userView(user, events));
    },

    deleteAppkeyByKeyId: async ({ params, metadata }) => {
      const command = { type: 'DeleteAppkeyByKeyId', rpId: params.rpId, keyId: params.keyId } as const;
      const { user, events } = await appkeys.change(userRequestOf(params, metadata), command);
      return ok(await appkeys.userView(user, events));
    },

    // ---- resources ----
    listAppkeys: async ({ params, query }) => ok(pageOfItems(await appkeys.list(params.storeName, userRefOf(params)), query)),

    getAppkey: async ({ params }) => ok(await appkeys.appkeyOf(params.storeName, userRefOf(params), params.id)),

    updateAppkey: async ({ params, body, metadata }) => {
      await appkeys.change(userRequestOf(params, metadata), { type: 'UpdateAppkey', appkeyId: params.id, ...body });
      return ok(await appkeys.appkeyOf(params.storeName, userRefOf(params), params.id));
    },

    deleteAppkey: async ({ params, metadata }) => {
      const { user, events } = await appkeys.change(userRequestOf(params, metadata), { type: 'DeleteAppkey', appkeyId: params.id });
      return ok(await appkeys.userView(user, events));
    },
  });
