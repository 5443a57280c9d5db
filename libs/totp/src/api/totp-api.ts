import { pageOfItems, totpOperations } from '@identity-store/contracts';
import { created, ok, noContent, operationsRouter, type Router } from '@identity-store/http-kit';
import { userRefOf } from '@identity-store/service-clients';
import type { TotpService } from '../totp-service';

/** The TOTP service's handlers, keyed by operation id and mounted from its operation table. */
export const totpApi = (totp: TotpService): Router =>
  operationsRouter(totpOperations, {
    startTotpRegistration: async ({ params, metadata }) =>
      created(await totp.startRegistration(params.storeName, userRefOf(params), params.policyName, metadata)),

    completeTotpRegistration: async ({ params, body, metadata }) =>
      ok(await totp.completeRegistration(params.storeName, userRefOf(params), params.policyName, body.code, metadata)),

    getTotpRegistration: async ({ params }) =>
      ok(await totp.registrationOf(params.storeName, userRefOf(params), params.policyName)),

    authenticateTotp: async ({ params, body, metadata }) => {
      const outcome = await totp.authenticate(params.storeName, userRefOf(params), params.policyName, body, metadata);
      return { status: outcome.result === 'SUCCESS' ? 200 : 400, body: outcome };
    },

    deregisterTotp: async ({ params, metadata }) => {
      const command = { type: 'DeregisterTotp', policyName: params.policyName } as const;
      const { user, events } = await totp.change(params.storeName, userRefOf(params), command, metadata);
      return ok(await totp.userView(user, events));
    },

    listTotps: async ({ params, query }) => ok(pageOfItems(await totp.list(params.storeName, userRefOf(params)), query)),

    getTotp: async ({ params }) => ok(await totp.credentialOf(params.storeName, userRefOf(params), params.id)),

    updateTotp: async ({ params, body, metadata }) => {
      const command = { type: 'UpdateTotp', credentialId: params.id, status: body.status } as const;
      await totp.change(params.storeName, userRefOf(params), command, metadata);
      return ok(await totp.credentialOf(params.storeName, userRefOf(params), params.id));
    },

    deleteTotp: async ({ params, metadata }) => {
      await totp.change(params.storeName, userRefOf(params), { type: 'DeleteTotp', credentialId: params.id }, metadata);
      return noContent();
    },
  });
