import type { z } from 'zod';
import { defineOperations, USER_PATH as U } from '../api/operation-table';
import { pageOf, pageQuerySchema } from '../api/common';
import { userSchema } from '../identity/user';
import {
  authenticateFaceBodySchema,
  enrolBiometricBodySchema,
  faceAuthenticationResponseSchema,
  recordBiometricFailureBodySchema,
} from './biometric-requests';
import { biometricAuditInfoSchema, biometricRegistrationAuditInfoSchema, biometricResourceSchema } from './biometric-resources';

export const biometricPageSchema = pageOf(biometricResourceSchema);

const IMAGE_PROBLEMS =
  'An image that is not a JPEG or PNG, or is truncated, is a 400 `INVALID_IMAGE`; one over the pixel limit a 400 ' +
  '`IMAGE_TOO_LARGE`; no face a 400 `FACE_NOT_FOUND`, several faces `MULTIPLE_FACES`, a face too small or too ' +
  'unsure `LOW_QUALITY`: each changes nothing. When every matcher worker is busy and the queue is full: 503 ' +
  '`MATCHER_BUSY` with `Retry-After`.';
const LOCKOUT =
  'Failures (no match, liveness, and failures the client records) count per user; at the store’s ' +
  '`biometricPolicy.maxFailedAttempts` the user’s biometrics lock (423 `BIOMETRIC_LOCKED`) for its `lockoutDuration`.';

/** Biometrics (face): the biometric service's operations. */
export const biometricOperations = defineOperations({
  enrolBiometric: {
    method: 'POST', path: `${U}/biometrics/{type}`, service: 'biometric', summary: 'Enrol a biometric',
    body: enrolBiometricBodySchema,
    bodyLimit: '3mb',
    responses: { 200: { schema: userSchema, description: 'The user, with the biometric in `summaryInfo`.' } },
    problems: [400, 403, 404, 423, 503],
    description:
      '`type` is `face` (others: 400 `UNSUPPORTED_BIOMETRIC_TYPE`). The face’s embedding is stored encrypted, never ' +
      `returned or published; the image is not kept. Enrolling again replaces the template. ${IMAGE_PROBLEMS}`,
  },
  authenticateFace: {
    method: 'POST', path: `${U}/biometrics/authentications/face`, service: 'biometric', summary: 'Authenticate with a face probe',
    body: authenticateFaceBodySchema,
    bodyLimit: '3mb',
    responses: {
      200: { schema: faceAuthenticationResponseSchema, description: 'The probe matches: `result: SUCCESS`, the `score` and the user.' },
      400: {
        schema: faceAuthenticationResponseSchema,
        description:
          '`result: FAILURE` with the `reason` (NO_MATCH, LIVENESS, BIOMETRIC_NOT_ACTIVE) and the user (application/json); ' +
          'or the request or image is invalid (problem).',
      },
    },
    problems: [400, 403, 404, 423, 503],
    description:
      'The probe’s face is compared with the enrolled template (cosine similarity of face embeddings) against the ' +
      'store’s `biometricPolicy.matchThreshold`; with `livenessRequired`, its liveness score must reach ' +
      `\`livenessThreshold\` too. 404 \`BIOMETRIC_NOT_ENROLLED\` without an enrolment. ${LOCKOUT} ${IMAGE_PROBLEMS}`,
  },
  recordBiometricFailure: {
    method: 'POST', path: `${U}/biometrics/authentications/failure`, service: 'biometric',
    summary: 'Record a client-side biometric failure',
    body: recordBiometricFailureBodySchema,
    responses: { 200: { schema: userSchema, description: 'The user; the failure is audited (`type: Face`).' } },
    problems: [400, 403, 404, 423],
    description: `A failure observed on the device (e.g. liveness failed there) is audited and counts. ${LOCKOUT}`,
  },
  listBiometrics: {
    method: 'GET', path: `${U}/biometrics`, service: 'biometric', summary: "List the user's enrolled biometrics",
    query: pageQuerySchema, responses: { 200: biometricPageSchema }, problems: [400, 404],
  },
  deleteBiometric: {
    method: 'DELETE', path: `${U}/biometrics/{type}`, service: 'biometric', summary: 'Delete an enrolled biometric',
    responses: { 200: { schema: userSchema, description: 'The user, without the biometric in `summaryInfo`.' } },
    problems: [400, 404],
    description: '404 `BIOMETRIC_NOT_ENROLLED` when none is enrolled; failures and a lock stay (they belong to the user).',
  },
});

/** The biometric schemas the API document names (component name, schema). */
export const biometricComponents: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['EnrolBiometricBody', enrolBiometricBodySchema],
  ['AuthenticateFaceBody', authenticateFaceBodySchema],
  ['RecordBiometricFailureBody', recordBiometricFailureBodySchema],
  ['FaceAuthenticationResponse', faceAuthenticationResponseSchema],
  ['Biometric', biometricResourceSchema],
  ['BiometricPage', biometricPageSchema],
  ['BiometricAuditInfo', biometricAuditInfoSchema],
  ['BiometricRegistrationAuditInfo', biometricRegistrationAuditInfoSchema],
];
