import { pageOfItems, passcodeOperations } from '@identity-store/contracts';
import { created, noContent, ok, operationsRouter, type Reply, type Router } from '@identity-store/http-kit';
import { userRefOf } from '@identity-store/service-clients';
import type { PasscodeService } from '../passcode-service';

/** A completed ceremony: 200 on success, 400 with the same body on a failed attempt. */
const outcomeReply = (outcome: { result: 'SUCCESS' | 'FAILURE' }): Reply => ({
  status: outcome.result === 'SUCCESS' ? 200 : 400,
  body: outcome,
});

/**
 * The passcode service's handlers, keyed by operation id and mounted from its operation table.
 * Ceremonies start on the user and complete on store-level session paths.
 */
export const passcodeApi = (passcodes: PasscodeService): Router =>
  operationsRouter(passcodeOperations, {
    startPasscodeRegistration: async ({ params, metadata }) =>
      created(await passcodes.startRegistration(params.storeName, userRefOf(params), params.policyName, metadata)),

    completePasscodeRegistration: async ({ params, body, metadata }) =>
      ok(await passcodes.completeRegistration(params.storeName, params.sessionId, body, metadata)),

    getPasscodeRegistration: async ({ params }) =>
      ok(await passcodes.registrationOf(params.storeName, userRefOf(params), params.policyName)),

    startPasscodeAuthentication: async ({ params, metadata }) =>
      created(
        await passcodes.startChallenge('StartPasscodeAuthentication', params.storeName, userRefOf(params), params.policyName, metadata),
      ),

    completePasscodeAuthentication: async ({ params, body, metadata }) =>
      outcomeReply(await passcodes.completeAuthentication(params.storeName, params.sessionId, body, metadata)),

    startPasscodeRenewal: async ({ params, metadata }) =>
      created(
        await passcodes.startChallenge('StartPasscodeRenewal', params.storeName, userRefOf(params), params.policyName, metadata),
      ),

    completePasscodeRenewal: async ({ params, body, metadata }) =>
      outcomeReply(await passcodes.completeRenewal(params.storeName, params.sessionId, body, metadata)),

    deregisterPasscode: async ({ params, metadata }) => {
      const command = { type: 'DeregisterPasscode', policyName: params.policyName } as const;
      const { user, events } = await passcodes.change(params.storeName, userRefOf(params), command, metadata);
      return ok(await passcodes.userView(user, events));
    },

    listPasscodes: async ({ params, query }) =>
      ok(pageOfItems(await passcodes.list(params.storeName, userRefOf(params)), query)),

    getPasscode: async ({ params }) => ok(await passcodes.passcodeOf(params.storeName, userRefOf(params), params.id)),

    updatePasscode: async ({ params, body, metadata }) => {
      await passcodes.change(params.storeName, userRefOf(params), { type: 'UpdatePasscode', passcodeId: params.id, ...body }, metadata);
      return ok(await passcodes.passcodeOf(params.storeName, userRefOf(params), params.id));
    },

    deletePasscode: async ({ params, metadata }) => {
      await passcodes.change(params.storeName, userRefOf(params), { type: 'DeletePasscode', passcodeId: params.id }, metadata);
      return noContent();
    },
  });
