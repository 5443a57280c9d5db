import { defineOperations, USER_PATH as U } from '../api/operation-table';

/** Biometrics: part of the contract, answered 501 until the biometric service lands. */
export const biometricOperations = defineOperations({
  enrolBiometric: {
    method: 'POST', path: `${U}/biometrics/{type}`, service: 'biometric', summary: 'Enrol a biometric',
    implemented: false,
  },
  authenticateFace: {
    method: 'POST', path: `${U}/biometrics/authentications/face`, service: 'biometric', summary: 'Authenticate with a face probe',
    implemented: false,
  },
  recordBiometricFailure: {
    method: 'POST', path: `${U}/biometrics/authentications/failure`, service: 'biometric',
    summary: 'Record a client-side biometric failure', implemented: false,
  },
});
