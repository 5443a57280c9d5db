import { biometricOperations, pageOfItems } from '@identity-store/contracts';
import { userRequestOf } from '@identity-store/credential-kit';
import { ok, operationsRouter, type Router } from '@identity-store/http-kit';
import { userRefOf } from '@identity-store/service-clients';
import type { BiometricService } from '../biometric-service';

/** The biometric service's handlers, keyed by operation id and mounted from its operation table. */
export const biometricApi = (biometrics: BiometricService): Router =>
  operationsRouter(biometricOperations, {
    enrolBiometric: async ({ params, body, metadata }) =>
      ok(await biometrics.enrol(userRequestOf(params, metadata), params.type, body)),

    authenticateFace: async ({ params, body, metadata }) => {
      const outcome = await biometrics.authenticate(userRequestOf(params, metadata), body);
      return { status: outcome.result === 'SUCCESS' ? 200 : 400, body: outcome };
    },

    recordBiometricFailure: async ({ params, body, metadata }) =>
      ok(await biometrics.recordFailure(userRequestOf(params, metadata), body)),

    listBiometrics: async ({ params, query }) => ok(pageOfItems(await biometrics.list(params.storeName, userRefOf(params)), query)),

    deleteBiometric: async ({ params, metadata }) => ok(await biometrics.remove(userRequestOf(params, metadata), params.type)),
  });
