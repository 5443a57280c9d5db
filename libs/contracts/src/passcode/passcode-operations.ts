import type { z } from 'zod';
import { pageOf, pageQuerySchema } from '../api/common';
import { defineOperations, STORES_PATH as S, USER_PATH as U } from '../api/operation-table';
import { sessionIdSchema } from '../api/path-parameters';
import { userSchema } from '../identity/user';
import {
  completePasscodeAuthenticationBodySchema,
  completePasscodeRegistrationBodySchema,
  completePasscodeRenewalBodySchema,
  passcodeAuthenticationResponseSchema,
  passcodeAuthenticationStartResponseSchema,
  passcodeRegistrationStartResponseSchema,
  passcodeRenewalResponseSchema,
  passcodeRenewalStartResponseSchema,
  updatePasscodeBodySchema,
} from './passcode-requests';
import { passcodeResourceSchema } from './passcode-resources';

export const passcodePageSchema = pageOf(passcodeResourceSchema);

const sessionParams = { sessionId: sessionIdSchema };

/** Client-validated passwords (SRP-6a, RFC 5054): the passcode service's operations. */
export const passcodeOperations = defineOperations({
  completePasscodeRegistration: {
    method: 'POST', path: `${S}/{storeName}/passcodes/registrations/sessions/{sessionId}`, service: 'passcode',
    summary: 'Complete a passcode registration',
    params: sessionParams,
    body: completePasscodeRegistrationBodySchema,
    responses: { 200: { schema: userSchema, description: 'The user, with the passcode in `summaryInfo`.' } },
    problems: [403, 404, 409, 410],
    description:
      'Every SRP value that does not fit the session’s group is named in `errors` (`INVALID_SRP_VALUE`). ' +
      'A session is single-use, expires after 5 minutes (410) and belongs to its store (404 elsewhere).',
  },
  completePasscodeRenewal: {
    method: 'POST', path: `${S}/{storeName}/passcodes/renewals/sessions/{sessionId}`, service: 'passcode',
    summary: 'Complete a passcode renewal',
    params: sessionParams,
    body: completePasscodeRenewalBodySchema,
    responses: {
      200: {
        schema: passcodeRenewalResponseSchema,
        description: 'The proof of the current passcode is right: the new salt and verifier replace it; M2 for the client.',
      },
      400: {
        schema: passcodeRenewalResponseSchema,
        description: 'The proof is wrong: `result: FAILURE` (a failed attempt); or the request is invalid (problem).',
      },
    },
    problems: [403, 404, 409, 410, 423],
    description: 'The new verifier uses the passcode’s group and hash; the validity restarts.',
  },
  completePasscodeAuthentication: {
    method: 'POST', path: `${S}/{storeName}/passcodes/authentications/sessions/{sessionId}`, service: 'passcode',
    summary: 'Complete a passcode authentication',
    params: sessionParams,
    body: completePasscodeAuthenticationBodySchema,
    responses: {
      200: {
        schema: passcodeAuthenticationResponseSchema,
        description: 'M1 is right: `result: SUCCESS` and the server’s proof M2 for the client to check.',
      },
      400: {
        schema: passcodeAuthenticationResponseSchema,
        description:
          'M1 is wrong: `result: FAILURE` (application/json; a failed attempt); or the request is invalid, or the ' +
          'passcode expired (`PASSCODE_EXPIRED`) (problem).',
      },
    },
    problems: [403, 404, 410, 423],
    description:
      'Completes the session (success or failure; a request rejected as a problem leaves it open). Failed attempts ' +
      'count; at the policy’s `maxFailedAttempts` the passcode locks for `lockoutDuration` (423).',
  },
  startPasscodeRegistration: {
    method: 'POST', path: `${U}/passcodes/registrations/{policyName}`, service: 'passcode',
    summary: 'Start a passcode registration',
    responses: {
      201: {
        schema: passcodeRegistrationStartResponseSchema,
        description: 'A registration session: the SRP identity, group and hash, and the client rules for the passcode.',
      },
    },
    problems: [403, 404, 409],
    description:
      'The client computes `verifier = g^x mod N` with `x = H(salt | H(identity | ":" | passcode))` (RFC 5054) and ' +
      'completes the session. 409 while the policy’s passcode is ACTIVE (and not expired) or SUSPENDED.',
  },
  getPasscodeRegistration: {
    method: 'GET', path: `${U}/passcodes/registrations/{policyName}`, service: 'passcode',
    summary: "Get the user's passcode of a policy",
    responses: { 200: passcodeResourceSchema }, problems: [404],
  },
  startPasscodeRenewal: {
    method: 'POST', path: `${U}/passcodes/renewals/{policyName}`, service: 'passcode', summary: 'Start a passcode renewal',
    responses: {
      201: {
        schema: passcodeRenewalStartResponseSchema,
        description: 'A renewal session: the challenge to prove the current passcode, and the rules for the new one.',
      },
    },
    problems: [403, 404, 409, 423],
    description:
      'For an ACTIVE, unlocked, unexpired passcode (expired: 400 `PASSCODE_EXPIRED`, register anew). With a policy ' +
      '`renewalWindow`, only from `expirationDtm − renewalWindow` on (earlier: 409 `PASSCODE_RENEWAL_NOT_OPEN`).',
  },
  startPasscodeAuthentication: {
    method: 'POST', path: `${U}/passcodes/authentications/{policyName}`, service: 'passcode',
    summary: 'Start a passcode authentication',
    responses: {
      201: {
        schema: passcodeAuthenticationStartResponseSchema,
        description: 'An authentication session: the passcode’s salt and the server’s B.',
      },
    },
    problems: [403, 404, 423],
    description:
      'Expired passcode: 400 `PASSCODE_EXPIRED`. SUSPENDED or REVOKED: 403. Locked after `maxFailedAttempts`: 423.',
  },
  deregisterPasscode: {
    method: 'POST', path: `${U}/passcodes/deregistrations/{policyName}`, service: 'passcode',
    summary: 'Deregister the passcode of a policy',
    responses: { 200: { schema: userSchema, description: 'The user, without the passcode in `summaryInfo`.' } },
    problems: [404],
  },
  listPasscodes: {
    method: 'GET', path: `${U}/passcodes`, service: 'passcode', summary: "List the user's passcodes",
    query: pageQuerySchema, responses: { 200: passcodePageSchema }, problems: [400, 404],
  },
  getPasscode: {
    method: 'GET', path: `${U}/passcodes/{id}`, service: 'passcode', summary: 'Get a passcode',
    responses: { 200: passcodeResourceSchema }, problems: [404],
  },
  updatePasscode: {
    method: 'POST', path: `${U}/passcodes/{id}`, service: 'passcode', summary: "Update a passcode's status or expiration",
    body: updatePasscodeBodySchema,
    responses: { 200: passcodeResourceSchema },
    problems: [400, 404, 409],
    description: 'REVOKED is final (409 afterwards). ACTIVE on a LOCKED passcode unlocks it.',
  },
  deletePasscode: {
    method: 'DELETE', path: `${U}/passcodes/{id}`, service: 'passcode', summary: 'Delete a passcode',
    responses: { 204: null }, problems: [404],
  },
});

/** The passcode schemas the API document names (component name, schema). */
export const passcodeComponents: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['Passcode', passcodeResourceSchema],
  ['PasscodePage', passcodePageSchema],
  ['PasscodeRegistrationStartResponse', passcodeRegistrationStartResponseSchema],
  ['CompletePasscodeRegistrationBody', completePasscodeRegistrationBodySchema],
  ['PasscodeAuthenticationStartResponse', passcodeAuthenticationStartResponseSchema],
  ['CompletePasscodeAuthenticationBody', completePasscodeAuthenticationBodySchema],
  ['PasscodeAuthenticationResponse', passcodeAuthenticationResponseSchema],
  ['PasscodeRenewalStartResponse', passcodeRenewalStartResponseSchema],
  ['CompletePasscodeRenewalBody', completePasscodeRenewalBodySchema],
  ['UpdatePasscodeBody', updatePasscodeBodySchema],
];
