import type { z } from 'zod';
import { pageOf, pageQuerySchema } from '../api/common';
import { defineOperations, STORES_PATH as S, USER_PATH as U } from '../api/operation-table';
import { sessionIdSchema } from '../api/path-parameters';
import { passkeyRpIdSchema } from '../identity/passkey-config';
import { userSchema } from '../identity/user';
import {
  authenticatePasskeyBodySchema,
  authenticationResponseSchema,
  completePasskeyAuthenticationBodySchema,
  completePasskeyRegistrationBodySchema,
  passkeyAuthenticationResponseSchema,
  passkeyAuthenticationStartResponseSchema,
  passkeyRegistrationStartResponseSchema,
  publicKeyCredentialCreationOptionsSchema,
  publicKeyCredentialRequestOptionsSchema,
  registerPasskeyBodySchema,
  registrationResponseSchema,
  startStorePasskeyRegistrationBodySchema,
  startUsernamelessPasskeyAuthenticationBodySchema,
  updatePasskeyBodySchema,
} from './passkey-requests';
import {
  passkeyAuditInfoSchema,
  passkeyInfoSchema,
  passkeyRegistrationAuditInfoSchema,
  passkeyResourceSchema,
} from './passkey-resources';

export const passkeyPageSchema = pageOf(passkeyResourceSchema);

/** rpId: any segment that is a domain name; unknown ones are 404 PASSKEY_CONFIG_NOT_FOUND. */
const rpIdParams = { rpId: passkeyRpIdSchema };
const sessionParams = { sessionId: sessionIdSchema };

const ONE_CALL_HINTS =
  'The optional `hints` are those the client gave the user agent (they cannot change the options the start ' +
  'sent): checked like a policy’s and recorded as the audit’s `hints`.';
const START =
  'The answer’s `hints` are the policy’s, as `publicKey.hints`. The session is single-use, expires at `expiresDtm` (the policy’s `timeout`; 5 minutes for a registration ' +
  'policy without one) and belongs to this store. 404 `PASSKEY_CONFIG_NOT_FOUND` / `POLICY_NOT_FOUND` for an ' +
  'unknown relying party or policy; 403 `USER_NOT_ACTIVE` unless the user is ACTIVE.';
const REGISTRATION_COMPLETION =
  'The body is the browser’s RegistrationResponseJSON (plus an optional `name` and `context`). A response that ' +
  'does not verify (type, challenge, origin, rpId, user presence, user verification when the policy requires it, ' +
  'attestation) is a 400 `PASSKEY_REGISTRATION_FAILED` with its `reason`, and uses the session up; one that cannot ' +
  'be read is a 400 `INVALID_WEBAUTHN_RESPONSE` and leaves the session open. A credential id already registered ' +
  'for the relying party in this store is 409 `PASSKEY_ALREADY_REGISTERED`.';
const AUTHENTICATION_COMPLETION =
  'The body is the browser’s AuthenticationResponseJSON (plus an optional `context`). Every verified or failed ' +
  'check completes the session and is an authentication audit (`type: Passkey`); a response that cannot be read is ' +
  'a 400 `INVALID_WEBAUTHN_RESPONSE` and leaves it open. A signature counter that does not grow (while either ' +
  'counter is non-zero) fails as `COUNTER_REGRESSION`, flagged in the audit; synced passkeys that always send 0 ' +
  'succeed.';

const registeredUser = { schema: userSchema, description: 'The user, with the passkey in `summaryInfo`.' };
const verified = { schema: passkeyAuthenticationResponseSchema, description: 'Verified: `result: SUCCESS` and the user.' };

/** Passkeys (WebAuthn L3): the passkey service's operations. */
export const passkeyOperations = defineOperations({
  registerPasskey: {
    method: 'POST', path: `${S}/{storeName}/passkeys/registrations`, service: 'passkey',
    summary: 'Complete a passkey registration in one call (user, relying party and policy in the body)',
    body: registerPasskeyBodySchema,
    responses: { 200: registeredUser },
    problems: [403, 404, 409, 410],
    description:
      'One call instead of the session path: the body names the user, relying party and policy, and the ' +
      'session is the user’s open registration for them whose options carried the response’s challenge (404 ' +
      `\`PASSKEY_SESSION_NOT_FOUND\` for none). ${ONE_CALL_HINTS} ${REGISTRATION_COMPLETION}`,
  },
  completePasskeyRegistration: {
    method: 'POST', path: `${S}/{storeName}/passkeys/registrations/sessions/{sessionId}`, service: 'passkey',
    summary: 'Complete a passkey registration',
    params: sessionParams,
    body: completePasskeyRegistrationBodySchema,
    responses: { 200: registeredUser },
    problems: [403, 404, 409, 410],
    description: REGISTRATION_COMPLETION,
  },
  authenticatePasskey: {
    method: 'POST', path: `${S}/{storeName}/passkeys/authentications`, service: 'passkey',
    summary: 'Complete a passkey authentication in one call (user, relying party and policy in the body)',
    body: authenticatePasskeyBodySchema,
    responses: {
      200: verified,
      400: {
        schema: passkeyAuthenticationResponseSchema,
        description: '`result: FAILURE` with the `reason` and the user (application/json); or the request is invalid (problem).',
      },
    },
    problems: [403, 404, 410],
    description:
      'One call instead of the session path: the body names the user, relying party and policy, and the session is ' +
      'the user’s open authentication for them whose options carried the response’s challenge (404 ' +
      `\`PASSKEY_SESSION_NOT_FOUND\` for none). ${ONE_CALL_HINTS} ${AUTHENTICATION_COMPLETION}`,
  },
  completePasskeyAuthentication: {
    method: 'POST', path: `${S}/{storeName}/passkeys/authentications/sessions/{sessionId}`, service: 'passkey',
    summary: 'Complete a passkey authentication',
    params: sessionParams,
    body: completePasskeyAuthenticationBodySchema,
    responses: {
      200: verified,
      400: {
        schema: passkeyAuthenticationResponseSchema,
        description:
          '`result: FAILURE` with the `reason` and the user where known (application/json); or the request is ' +
          'invalid (problem).',
      },
    },
    problems: [403, 404, 410],
    description: AUTHENTICATION_COMPLETION,
  },
  startStorePasskeyRegistration: {
    method: 'POST', path: `${S}/{storeName}/passkeys/relyingParties/{rpId}/registrations/{regPolicyName}`, service: 'passkey',
    summary: 'Start a passkey registration at store level (user in the body)',
    params: rpIdParams,
    body: startStorePasskeyRegistrationBodySchema,
    responses: {
      201: { schema: passkeyRegistrationStartResponseSchema, description: 'As `startPasskeyRegistration`.' },
    },
    problems: [403, 404],
    description: `The user is named in the body (exactly one of \`userId\`, \`extId\`). ${START}`,
  },
  startUsernamelessPasskeyAuthentication: {
    method: 'POST', path: `${S}/{storeName}/passkeys/relyingParties/{rpId}/authentications/{authPolicyName}`, service: 'passkey',
    summary: 'Start a usernameless passkey authentication (discoverable credentials)',
    params: rpIdParams,
    body: startUsernamelessPasskeyAuthenticationBodySchema,
    responses: {
      201: {
        schema: passkeyAuthenticationStartResponseSchema,
        description: 'A usernameless session: options without `allowCredentials` (discoverable credentials).',
      },
    },
    problems: [404],
    description: `The response’s credential names the user (its user handle must be the user’s). ${START}`,
  },
  startPasskeyRegistration: {
    method: 'POST', path: `${U}/passkeys/relyingParties/{rpId}/registrations/{regPolicyName}`, service: 'passkey',
    summary: 'Start a passkey registration',
    params: rpIdParams,
    responses: {
      201: {
        schema: passkeyRegistrationStartResponseSchema,
        description:
          'A registration session and the options for `navigator.credentials.create()` (with the policy’s `hints`).',
      },
    },
    problems: [403, 404],
    description: START,
  },
  startPasskeyAuthentication: {
    method: 'POST', path: `${U}/passkeys/relyingParties/{rpId}/authentications/{authPolicyName}`, service: 'passkey',
    summary: 'Start a passkey authentication',
    params: rpIdParams,
    responses: {
      201: {
        schema: passkeyAuthenticationStartResponseSchema,
        description:
          'An authentication session and the options for `navigator.credentials.get()`: `allowCredentials` are the ' +
          'user’s ACTIVE passkeys of the relying party; with the policy’s `hints`.',
      },
    },
    problems: [403, 404],
    description: `404 \`PASSKEY_NOT_FOUND\` when the user has no ACTIVE passkey of the relying party. ${START}`,
  },
  listPasskeys: {
    method: 'GET', path: `${U}/passkeys`, service: 'passkey', summary: "List the user's passkeys",
    query: pageQuerySchema, responses: { 200: passkeyPageSchema }, problems: [400, 404],
  },
  getPasskey: {
    method: 'GET', path: `${U}/passkeys/{id}`, service: 'passkey', summary: 'Get a passkey',
    responses: { 200: passkeyResourceSchema }, problems: [404],
  },
  updatePasskey: {
    method: 'POST', path: `${U}/passkeys/{id}`, service: 'passkey', summary: "Update a passkey's status or name",
    body: updatePasskeyBodySchema,
    responses: { 200: passkeyResourceSchema },
    problems: [400, 404, 409],
    description: 'REVOKED is final (409 `PASSKEY_REVOKED` afterwards). Only ACTIVE passkeys authenticate.',
  },
  deletePasskey: {
    method: 'DELETE', path: `${U}/passkeys/{id}`, service: 'passkey', summary: 'Delete a passkey',
    responses: { 204: null }, problems: [404],
  },
});

/** The passkey schemas the API document names (component name, schema). */
export const passkeyComponents: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['Passkey', passkeyResourceSchema],
  ['PasskeyPage', passkeyPageSchema],
  ['PublicKeyCredentialCreationOptionsJSON', publicKeyCredentialCreationOptionsSchema],
  ['PublicKeyCredentialRequestOptionsJSON', publicKeyCredentialRequestOptionsSchema],
  ['RegistrationResponseJSON', registrationResponseSchema],
  ['AuthenticationResponseJSON', authenticationResponseSchema],
  ['PasskeyRegistrationStartResponse', passkeyRegistrationStartResponseSchema],
  ['StartStorePasskeyRegistrationBody', startStorePasskeyRegistrationBodySchema],
  ['CompletePasskeyRegistrationBody', completePasskeyRegistrationBodySchema],
  ['RegisterPasskeyBody', registerPasskeyBodySchema],
  ['PasskeyAuthenticationStartResponse', passkeyAuthenticationStartResponseSchema],
  ['CompletePasskeyAuthenticationBody', completePasskeyAuthenticationBodySchema],
  ['AuthenticatePasskeyBody', authenticatePasskeyBodySchema],
  ['PasskeyAuthenticationResponse', passkeyAuthenticationResponseSchema],
  ['UpdatePasskeyBody', updatePasskeyBodySchema],
  ['PasskeyInfo', passkeyInfoSchema],
  ['PasskeyAuditInfo', passkeyAuditInfoSchema],
  ['PasskeyRegistrationAuditInfo', passkeyRegistrationAuditInfoSchema],
];
