import type { z } from 'zod';
import { pageOf, pageQuerySchema } from '../api/common';
import { defineOperations, STORES_PATH as S, USER_PATH as U } from '../api/operation-table';
import { sessionIdSchema } from '../api/path-parameters';
import { userSchema } from '../identity/user';
import {
  appkeyAuthenticationResponseSchema,
  appkeyAuthenticationStartResponseSchema,
  appkeyDeregistrationBodySchema,
  appkeyDeregistrationResponseSchema,
  appkeyDeviceInputSchema,
  appkeyRegistrationStartResponseSchema,
  authenticateAppkeyBodySchema,
  completeAppkeyAuthenticationBodySchema,
  completeAppkeyRegistrationBodySchema,
  preferredDevicesBodySchema,
  registerAppkeyBodySchema,
  startAppkeyAuthenticationBodySchema,
  updateAppkeyBodySchema,
} from './appkey-requests';
import {
  appkeyAuditInfoSchema,
  appkeyInfoSchema,
  appkeyRegistrationAuditInfoSchema,
  appkeyResourceSchema,
} from './appkey-resources';

export const appkeyPageSchema = pageOf(appkeyResourceSchema);

const sessionParams = { sessionId: sessionIdSchema };

const START =
  'The session is single-use, expires at `expiresDtm` (the policy’s `timeout`, else 5 minutes) and belongs to this ' +
  'store. 404 `APPKEY_CONFIG_NOT_FOUND` / `POLICY_NOT_FOUND` for an unknown relying party or policy; 403 ' +
  '`USER_NOT_ACTIVE` unless the user is ACTIVE.';
const REGISTRATION_COMPLETION =
  'The body carries the device’s UAF `RegistrationResponse` (JSON text) and the device. The server checks the ' +
  'final challenge parameters (appID, challenge, facetID among the configuration’s facets), the registration ' +
  'assertion (KRD: AAID, final challenge hash, key id, counters, public key) and its attestation (Basic Surrogate, ' +
  'or Basic Full against the configuration’s trust anchors). A response that does not verify is a 400 ' +
  '`APPKEY_REGISTRATION_FAILED` with its `reason` and uses the session up; one that cannot be read (JSON, TLV) is a ' +
  '400 `INVALID_UAF_RESPONSE` and changes nothing. A key id already registered for the relying party in this store ' +
  'is 409 `APPKEY_ALREADY_REGISTERED`; more devices than `maxDevices` is 409 `MAX_DEVICES_REACHED`. A device holds ' +
  'one key per relying party and key type: registering another replaces it.';
const AUTHENTICATION_COMPLETION =
  'The body carries the device’s UAF `AuthenticationResponse` (JSON text). Every verified or failed check completes ' +
  'the session and is an authentication audit (`type: Appkey`); failures count toward the policy’s ' +
  '`maxFailedAttempts`, after which the user’s appkeys of the relying party are locked (423 `APPKEY_LOCKED`) for ' +
  '`lockoutDuration`. A response that cannot be read is a 400 `INVALID_UAF_RESPONSE` and changes nothing. The ' +
  'signature counter must grow unless both counters are 0 (`COUNTER_REGRESSION`, flagged in the audit).';

const userWithAppkeys = (what: string) => ({ schema: userSchema, description: `The user, ${what} in \`summaryInfo\`.` });
const authenticated = {
  200: { schema: appkeyAuthenticationResponseSchema, description: 'Verified: `result: SUCCESS`, the key and device, and the user.' },
  400: {
    schema: appkeyAuthenticationResponseSchema,
    description: '`result: FAILURE` with the `reason` and the user (application/json); or the request is invalid (problem).',
  },
};

/** Appkeys (FIDO UAF 1.1 keys of the user's devices): the appkey service's operations. */
export const appkeyOperations = defineOperations({
  registerAppkey: {
    method: 'POST', path: `${S}/{storeName}/appkeys/registrations`, service: 'appkey',
    summary: 'Complete an appkey registration in one call (user, relying party and policy in the body)',
    body: registerAppkeyBodySchema,
    responses: { 200: userWithAppkeys('with the appkey') },
    problems: [403, 404, 409, 410],
    description:
      'One call instead of the session path: the body names the user, relying party and policy, and the session is ' +
      'the one whose `serverData` the response carries, which must be this user’s open registration for them (404 ' +
      `\`APPKEY_SESSION_NOT_FOUND\` otherwise). ${REGISTRATION_COMPLETION}`,
  },
  completeAppkeyRegistration: {
    method: 'POST', path: `${S}/{storeName}/appkeys/registrations/sessions/{sessionId}`, service: 'appkey',
    summary: 'Complete an appkey registration',
    params: sessionParams,
    body: completeAppkeyRegistrationBodySchema,
    responses: { 200: userWithAppkeys('with the appkey') },
    problems: [403, 404, 409, 410],
    description: REGISTRATION_COMPLETION,
  },
  authenticateAppkey: {
    method: 'POST', path: `${S}/{storeName}/appkeys/authentications`, service: 'appkey',
    summary: 'Complete an appkey authentication in one call (user, relying party and policy in the body)',
    body: authenticateAppkeyBodySchema,
    responses: authenticated,
    problems: [403, 404, 410, 423],
    description:
      'One call instead of the session path: the session is the one whose `serverData` the response carries, which ' +
      `must be this user’s open authentication for the relying party and policy. ${AUTHENTICATION_COMPLETION}`,
  },
  completeAppkeyAuthentication: {
    method: 'POST', path: `${S}/{storeName}/appkeys/authentications/sessions/{sessionId}`, service: 'appkey',
    summary: 'Complete an appkey authentication',
    params: sessionParams,
    body: completeAppkeyAuthenticationBodySchema,
    responses: authenticated,
    problems: [403, 404, 410, 423],
    description: AUTHENTICATION_COMPLETION,
  },
  startAppkeyRegistration: {
    method: 'POST', path: `${U}/appkeys/relyingParties/{rpId}/registrations/{regPolicyName}`, service: 'appkey',
    summary: 'Start an appkey registration',
    responses: {
      201: {
        schema: appkeyRegistrationStartResponseSchema,
        description:
          'A registration session and the UAF `RegistrationRequest` for the device: a fresh challenge, `username` = ' +
          'the user’s id, and a policy from the registration policy whose `disallowed` names the user’s keys.',
      },
    },
    problems: [403, 404],
    description: START,
  },
  startAppkeyAuthentication: {
    method: 'POST', path: `${U}/appkeys/relyingParties/{rpId}/authentications/{authPolicyName}`, service: 'appkey',
    summary: 'Start an appkey authentication (and push it to the preferred devices)',
    body: startAppkeyAuthenticationBodySchema,
    responses: {
      201: {
        schema: appkeyAuthenticationStartResponseSchema,
        description:
          'An authentication session and the UAF `AuthenticationRequest` allowing the user’s ACTIVE keys of the relying ' +
          'party (of `deviceId` only, when given), with the `transaction` to confirm if any. When the relying party has ' +
          'a push notification policy, the request is pushed to the preferred devices (all devices with keys when none ' +
          'is preferred); `pushed` lists those reached. A push failure never fails the start.',
      },
    },
    problems: [400, 403, 404, 423],
    description: `404 \`APPKEY_NOT_FOUND\` when the user has no ACTIVE appkey of the relying party. ${START}`,
  },
  deregisterAppkeys: {
    method: 'POST', path: `${U}/appkeys/relyingParties/{rpId}/deregistrations`, service: 'appkey',
    summary: 'Deregister appkeys of a relying party',
    body: appkeyDeregistrationBodySchema,
    responses: {
      200: {
        schema: appkeyDeregistrationResponseSchema,
        description: 'The user without the keys, and the UAF `DeregistrationRequest` for the app to remove them on the device.',
      },
    },
    problems: [400, 404],
    description:
      '`types` selects the keys: DEVICE, BIOMETRIC, or ALL; `deviceId` only that device’s. Deregistering nothing is ' +
      'not an error (the request then names no key).',
  },
  setPreferredDevices: {
    method: 'POST', path: `${U}/appkeys/relyingParties/{rpId}/preferredDevices`, service: 'appkey',
    summary: 'Set the preferred devices of a relying party',
    body: preferredDevicesBodySchema,
    responses: { 200: userWithAppkeys('with its appkeys') },
    problems: [400, 404],
    description: 'Replaces the ordered list. Each device must hold an appkey of the relying party (400 `UNKNOWN_DEVICE`).',
  },
  clearPreferredDevices: {
    method: 'DELETE', path: `${U}/appkeys/relyingParties/{rpId}/preferredDevices`, service: 'appkey',
    summary: 'Clear the preferred devices of a relying party',
    responses: { 200: userWithAppkeys('with its appkeys') }, problems: [404],
  },
  removePreferredDevice: {
    method: 'DELETE', path: `${U}/appkeys/relyingParties/{rpId}/preferredDevice/{deviceId}`, service: 'appkey',
    summary: 'Remove one preferred device',
    responses: { 200: userWithAppkeys('with its appkeys') },
    problems: [404],
    description: '404 `PREFERRED_DEVICE_NOT_FOUND` when the device is not a preferred one.',
  },
  deleteAppkeyByKeyId: {
    method: 'DELETE', path: `${U}/appkeys/relyingParties/{rpId}/registrations/keyIds/{keyId}`, service: 'appkey',
    summary: 'Delete an appkey by its UAF key id',
    responses: { 200: userWithAppkeys('without the appkey') },
    problems: [404],
  },
  listAppkeys: {
    method: 'GET', path: `${U}/appkeys`, service: 'appkey', summary: "List the user's appkeys",
    query: pageQuerySchema, responses: { 200: appkeyPageSchema }, problems: [400, 404],
  },
  getAppkey: {
    method: 'GET', path: `${U}/appkeys/{id}`, service: 'appkey', summary: 'Get an appkey',
    responses: { 200: appkeyResourceSchema }, problems: [404],
  },
  updateAppkey: {
    method: 'POST', path: `${U}/appkeys/{id}`, service: 'appkey', summary: "Update an appkey's status or name",
    body: updateAppkeyBodySchema,
    responses: { 200: appkeyResourceSchema },
    problems: [400, 404, 409],
    description: 'REVOKED is final (409 `APPKEY_REVOKED` afterwards). Only ACTIVE appkeys authenticate.',
  },
  deleteAppkey: {
    method: 'DELETE', path: `${U}/appkeys/{id}`, service: 'appkey', summary: 'Delete an appkey',
    responses: { 200: userWithAppkeys('without the appkey') }, problems: [404],
  },
});

/** The appkey schemas the API document names (component name, schema). */
export const appkeyComponents: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['Appkey', appkeyResourceSchema],
  ['AppkeyPage', appkeyPageSchema],
  ['AppkeyDevice', appkeyDeviceInputSchema],
  ['AppkeyRegistrationStartResponse', appkeyRegistrationStartResponseSchema],
  ['CompleteAppkeyRegistrationBody', completeAppkeyRegistrationBodySchema],
  ['RegisterAppkeyBody', registerAppkeyBodySchema],
  ['StartAppkeyAuthenticationBody', startAppkeyAuthenticationBodySchema],
  ['AppkeyAuthenticationStartResponse', appkeyAuthenticationStartResponseSchema],
  ['CompleteAppkeyAuthenticationBody', completeAppkeyAuthenticationBodySchema],
  ['AuthenticateAppkeyBody', authenticateAppkeyBodySchema],
  ['AppkeyAuthenticationResponse', appkeyAuthenticationResponseSchema],
  ['AppkeyDeregistrationBody', appkeyDeregistrationBodySchema],
  ['AppkeyDeregistrationResponse', appkeyDeregistrationResponseSchema],
  ['PreferredDevicesBody', preferredDevicesBodySchema],
  ['UpdateAppkeyBody', updateAppkeyBodySchema],
  ['AppkeyInfo', appkeyInfoSchema],
  ['AppkeyAuditInfo', appkeyAuditInfoSchema],
  ['AppkeyRegistrationAuditInfo', appkeyRegistrationAuditInfoSchema],
];
