import type { z } from 'zod';
import { pageOf, pageQuerySchema } from '../api/common';
import { defineOperations, USER_PATH as U } from '../api/operation-table';
import { userSchema } from '../identity/user';
import {
  authenticateTotpBodySchema,
  completeTotpRegistrationBodySchema,
  totpAuthenticationResponseSchema,
  totpRegistrationResponseSchema,
  updateTotpBodySchema,
} from './totp-requests';
import { totpCredentialSchema } from './totp-resources';

export const totpCredentialPageSchema = pageOf(totpCredentialSchema);

/** TOTP credentials (RFC 6238) of a user: the TOTP service's operations. */
export const totpOperations = defineOperations({
  startTotpRegistration: {
    method: 'POST', path: `${U}/totps/registrations/{policyName}`, service: 'totp', summary: 'Start a TOTP registration',
    responses: {
      201: {
        schema: totpRegistrationResponseSchema,
        description: 'The pending TOTP: its secret (shown only here) and `otpauth://` URI, and the user.',
      },
    },
    problems: [400, 403, 404, 409],
  },
  completeTotpRegistration: {
    method: 'POST', path: `${U}/totps/registrations/{policyName}/complete`, service: 'totp',
    summary: 'Complete a TOTP registration with a first code',
    body: completeTotpRegistrationBodySchema,
    responses: {
      200: { schema: userSchema, description: 'The user, with the TOTP now ACTIVE in `summaryInfo`.' },
    },
    problems: [400, 404, 409],
  },
  getTotpRegistration: {
    method: 'GET', path: `${U}/totps/registrations/{policyName}`, service: 'totp', summary: "Get the user's TOTP of a policy",
    responses: { 200: totpCredentialSchema }, problems: [404],
  },
  authenticateTotp: {
    method: 'POST', path: `${U}/totps/authentications/{policyName}`, service: 'totp', summary: 'Authenticate with a TOTP code',
    body: authenticateTotpBodySchema,
    responses: {
      200: { schema: totpAuthenticationResponseSchema, description: 'The code is valid: `result: SUCCESS`.' },
      400: {
        schema: totpAuthenticationResponseSchema,
        description:
          'The code is wrong or was already used: `result: FAILURE` (application/json); or the request is invalid (problem).',
      },
    },
    problems: [400, 404, 409, 423],
    description:
      'A code is accepted once. Failed attempts count; at the policy’s `maxFailedAttempts` the TOTP locks (423).',
  },
  deregisterTotp: {
    method: 'POST', path: `${U}/totps/deregistrations/{policyName}`, service: 'totp', summary: 'Deregister the TOTP of a policy',
    responses: { 200: { schema: userSchema, description: 'The user, without the TOTP in `summaryInfo`.' } },
    problems: [404],
  },
  listTotps: {
    method: 'GET', path: `${U}/totps`, service: 'totp', summary: "List the user's TOTPs",
    query: pageQuerySchema, responses: { 200: totpCredentialPageSchema }, problems: [400, 404],
  },
  getTotp: {
    method: 'GET', path: `${U}/totps/{id}`, service: 'totp', summary: 'Get a TOTP',
    responses: { 200: totpCredentialSchema }, problems: [404],
  },
  updateTotp: {
    method: 'POST', path: `${U}/totps/{id}`, service: 'totp', summary: "Update a TOTP's status",
    body: updateTotpBodySchema,
    responses: { 200: totpCredentialSchema },
    problems: [400, 404, 409],
  },
  deleteTotp: {
    method: 'DELETE', path: `${U}/totps/{id}`, service: 'totp', summary: 'Delete a TOTP',
    responses: { 204: null }, problems: [404],
  },
});

/** The TOTP schemas the API document names (component name, schema). */
export const totpComponents: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['TotpCredential', totpCredentialSchema],
  ['TotpCredentialPage', totpCredentialPageSchema],
  ['TotpRegistrationResponse', totpRegistrationResponseSchema],
  ['CompleteTotpRegistrationBody', completeTotpRegistrationBodySchema],
  ['AuthenticateTotpBody', authenticateTotpBodySchema],
  ['TotpAuthenticationResponse', totpAuthenticationResponseSchema],
  ['UpdateTotpBody', updateTotpBodySchema],
];
