import { pageOfItems, totpOperations } from '@identity-store/contracts';
import { created, ok, noContent, operationsRouter, type Router } from '@identity-store/http-kit';
import { userRequestOf } from '@identity-store/credential-kit';
import { userRefOf } from '@identity-store/service-clients';
import type { TotpService } from '../totp-service';

/** The TOTP service's handlers, keyed by operation id and mounted from its operation table. */
export const totpApi = (totp: TotpService): Router =>
  operationsRouter(totpOperations, {
    startTotpRegistration: async ({ params, metadata }) =>
      created(await totp.startRegistration(userRequestOf(params, metadata), params.policyName)),

    completeTotpRegistration: async ({ params, body, metadata }) =>
      ok(await totp.completeRegistration(userRequestOf(params, metadata), params.policyName, body.code)),

    getTotpRegistration: async ({ params }) =>
      ok(await totp.registrationOf(params.storeName, userRefOf(params), params.policyName)),

    authenticateTotp: async ({ params, body, metadata }) => {
      const outcome = await totp.authenticate(userRequestOf(params, metadata), params.policyName, body);
      return { status: outcome.result === 'SUCCESS' ? 200 : 400, body: outcome };
    },

    deregisterTotp: async ({ params, metadata }) => {
      const command = { type: 'DeregisterTotp', policyName: params.policyName } as const;
      const { user, events } = await totp.change(userRequestOf(params, metadata), command);
      return ok(await totp.userView(user, events));
    },

    listTotps: async ({ params, query }) => ok(pageOfItems(await totp.list(params.storeName, userRefOf(params)), query)),

    getTotp: async ({ params }) => ok(await totp.credentialOf(params.storeName, userRefOf(params), params.id)),

    updateTotp: async ({ params, body, metadata }) => {
      const command = { type: 'UpdateTotp', credentialId: params.id, status: body.status } as const;
      await totp.change(userRequestOf(params, metadata), command);
      return ok(await totp.credentialOf(params.storeName, userRefOf(params), params.id));
    },

    deleteTotp: async ({ params, metadata }) => {
      await totp.change(userRequestOf(params, metadata), { type: 'DeleteTotp', credentialId: params.id });
      return noContent();
    },
  });
