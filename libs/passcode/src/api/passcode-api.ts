import { pageOfItems, passcodeOperations } from '@identity-store/contracts';
import { created, noContent, ok, operationsRouter, type Reply, type Router } from '@identity-store/http-kit';
import { userRequestOf } from '@identity-store/credential-kit';
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
      created(await passcodes.startRegistration(userRequestOf(params, metadata), params.policyName)),

    completePasscodeRegistration: async ({ params, body, metadata }) =>
      ok(await passcodes.completeRegistration(params.storeName, params.sessionId, body, metadata)),

    getPasscodeRegistration: async ({ params }) =>
      ok(await passcodes.registrationOf(params.storeName, userRefOf(params), params.policyName)),

    startPasscodeAuthentication: async ({ params, metadata }) =>
      created(await passcodes.startChallenge('StartPasscodeAuthentication', userRequestOf(params, metadata), params.policyName)),

    completePasscodeAuthentication: async ({ params, body, metadata }) =>
      outcomeReply(await passcodes.completeAuthentication(params.storeName, params.sessionId, body, metadata)),

    startPasscodeRenewal: async ({ params, metadata }) =>
      created(await passcodes.startChallenge('StartPasscodeRenewal', userRequestOf(params, metadata), params.policyName)),

    completePasscodeRenewal: async ({ params, body, metadata }) =>
      outcomeReply(await passcodes.completeRenewal(params.storeName, params.sessionId, body, metadata)),

    deregisterPasscode: async ({ params, metadata }) => {
      const command = { type: 'DeregisterPasscode', policyName: params.policyName } as const;
      const { user, events } = await passcodes.change(userRequestOf(params, metadata), command);
      return ok(await passcodes.userView(user, events));
    },

    listPasscodes: async ({ params, query }) =>
      ok(pageOfItems(await passcodes.list(params.storeName, userRefOf(params)), query)),

    getPasscode: async ({ params }) => ok(await passcodes.passcodeOf(params.storeName, userRefOf(params), params.id)),

    updatePasscode: async ({ params, body, metadata }) => {
      await passcodes.change(userRequestOf(params, metadata), { type: 'UpdatePasscode', passcodeId: params.id, ...body });
      return ok(await passcodes.passcodeOf(params.storeName, userRefOf(params), params.id));
    },

    deletePasscode: async ({ params, metadata }) => {
      await passcodes.change(userRequestOf(params, metadata), { type: 'DeletePasscode', passcodeId: params.id });
      return noContent();
    },
  });
