import type { z } from 'zod';
import { defineOperations, USER_PATH as U } from '../api/operation-table';
import { authenticationAuditSchema, registrationAuditSchema } from '../identity/user';

/** Authentication and registration audit records: the audit service's operations. */
export const auditOperations = defineOperations({
  getAuthentication: {
    method: 'GET', path: `${U}/authentications/{id}`, service: 'audit', summary: 'Get an authentication audit record',
    responses: { 200: authenticationAuditSchema }, problems: [404],
  },
  // Projected from PasskeyRegistrationCompleted; kept after the passkey is deleted.
  getPasskeyRegistrationAudit: {
    method: 'GET', path: `${U}/passkeys/{id}/registrationAudit`, service: 'audit',
    summary: 'Get the registration audit of a passkey',
    responses: { 200: registrationAuditSchema },
    problems: [404],
    description:
      'What the registration’s attestation said (format, AAGUID, transports, flags), the hints its options ' +
      'carried (top-level `hints`: those a one-call request named, else the same) and the client context. No ' +
      '`passcodeInfo`/`passcodeAuditInfo`: a passkey registration proves no passcode. Kept after the passkey is deleted.',
  },
  // Projected from AppkeyRegistrationCompleted; kept after the appkey is deleted.
  getAppkeyRegistrationAudit: {
    method: 'GET', path: `${U}/appkeys/{id}/registrationAudit`, service: 'audit',
    summary: 'Get the registration audit of an appkey',
    responses: { 200: registrationAuditSchema },
    problems: [404],
    description:
      'What the UAF registration said (AAID, attestation type and certificate, facet, device), the hints and the ' +
      'client context. Kept after the appkey is deleted.',
  },
  // Projected from BiometricEnrolled; kept after the biometric is replaced or deleted.
  getBiometricRegistrationAudit: {
    method: 'GET', path: `${U}/biometrics/{id}/registrationAudit`, service: 'audit',
    summary: 'Get the registration audit of a biometric enrolment',
    responses: { 200: registrationAuditSchema },
    problems: [404],
    description: 'The enrolment (type, embedding model, face quality, the enrolment it replaced) and the client context. Never the template.',
  },
});

/** The audit schemas the API document names (component name, schema). */
export const auditComponents: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['AuthenticationAudit', authenticationAuditSchema],
  ['RegistrationAudit', registrationAuditSchema],
];
