/**
 * Every operation of the API: method, path, operation id, the permission that guards it and the
 * service that owns it. The gateway routes and authorises with this table, and the OpenAPI
 * document lists it, so a newcomer finds an endpoint's owner here first.
 * User-scoped operations exist twice (internal id, and external id with a trailing `/ext`);
 * both share one permission.
 */
export type ServiceName = 'identity' | 'totp' | 'audit' | 'passcode' | 'passkey' | 'appkey' | 'biometric';
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface OperationDef {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI-style path template under the gateway, e.g. /api/identity-store/stores/{storeName}. */
  path: string;
  /** `IdentityStore:<name>` permission an API key needs. */
  permission: string;
  service: ServiceName;
  summary: string;
  /** false: part of the contract, answered 501 until its service exists (see the issues). */
  implemented: boolean;
}

const S = '/api/identity-store/stores';
const U = `${S}/{storeName}/users/{userId}`;
const X = `${S}/{storeName}/users/{extId}`;

type Row = [HttpMethod, string, string, ServiceName, string, boolean?];

/** [method, path, operationId (also the permission), service, summary, implemented=true] */
const storeLevel: Row[] = [
  ['POST', S, 'createStore', 'identity', 'Create a store'],
  ['GET', S, 'listStores', 'identity', 'List stores'],
  ['GET', `${S}/{storeName}`, 'getStore', 'identity', 'Get a store'],
  ['POST', `${S}/{storeName}`, 'updateStore', 'identity', 'Update a store'],
  ['DELETE', `${S}/{storeName}`, 'deleteStore', 'identity', 'Delete a store'],
  ['POST', `${S}/{storeName}/users`, 'createUser', 'identity', 'Create a user'],
  ['GET', `${S}/{storeName}/users`, 'listUsers', 'identity', 'List users'],
  ['POST', `${S}/{storeName}/totpPolicy`, 'createTotpPolicy', 'identity', 'Create a TOTP policy'],
  ['GET', `${S}/{storeName}/totpPolicy/{policyName}`, 'getTotpPolicy', 'identity', 'Get a TOTP policy'],
  ['POST', `${S}/{storeName}/totpPolicy/{policyName}`, 'updateTotpPolicy', 'identity', 'Update a TOTP policy'],
  ['DELETE', `${S}/{storeName}/totpPolicy/{policyName}`, 'deleteTotpPolicy', 'identity', 'Delete a TOTP policy'],
  ['POST', `${S}/{storeName}/passcodePolicy`, 'createPasscodePolicy', 'identity', 'Create a passcode policy'],
  ['GET', `${S}/{storeName}/passcodePolicy/{policyName}`, 'getPasscodePolicy', 'identity', 'Get a passcode policy'],
  ['POST', `${S}/{storeName}/passcodePolicy/{policyName}`, 'updatePasscodePolicy', 'identity', 'Update a passcode policy'],
  ['DELETE', `${S}/{storeName}/passcodePolicy/{policyName}`, 'deletePasscodePolicy', 'identity', 'Delete a passcode policy'],
  ['POST', `${S}/{storeName}/passkeyConfig`, 'createPasskeyConfig', 'identity', 'Create a passkey relying-party configuration'],
  ['GET', `${S}/{storeName}/passkeyConfig/{rpId}`, 'getPasskeyConfig', 'identity', 'Get a passkey relying-party configuration'],
  ['POST', `${S}/{storeName}/passkeyConfig/{rpId}`, 'updatePasskeyConfig', 'identity', 'Update a passkey relying-party configuration'],
  ['DELETE', `${S}/{storeName}/passkeyConfig/{rpId}`, 'deletePasskeyConfig', 'identity', 'Delete a passkey relying-party configuration'],
  ['POST', `${S}/{storeName}/appkeyConfig`, 'createAppkeyConfig', 'identity', 'Create an appkey configuration', false],
  ['POST', `${S}/{storeName}/appkeyConfig/{rpId}`, 'updateAppkeyConfig', 'identity', 'Update an appkey configuration', false],
  ['POST', `${S}/{storeName}/pushNotificationPolicy`, 'createPushNotificationPolicy', 'identity', 'Create a push notification policy', false],
  ['POST', `${S}/{storeName}/pushNotificationPolicy/{rpId}`, 'updatePushNotificationPolicy', 'identity', 'Update a push notification policy', false],
  ['POST', `${S}/{storeName}/passcodes/registrations/sessions/{sessionId}`, 'completePasscodeRegistration', 'passcode', 'Complete a passcode registration'],
  ['POST', `${S}/{storeName}/passcodes/renewals/sessions/{sessionId}`, 'completePasscodeRenewal', 'passcode', 'Complete a passcode renewal'],
  ['POST', `${S}/{storeName}/passcodes/authentications/sessions/{sessionId}`, 'completePasscodeAuthentication', 'passcode', 'Complete a passcode authentication'],
  ['POST', `${S}/{storeName}/passkeys/registrations`, 'registerPasskey', 'passkey', 'Complete a passkey registration in one call (user, relying party and policy in the body)'],
  ['POST', `${S}/{storeName}/passkeys/registrations/sessions/{sessionId}`, 'completePasskeyRegistration', 'passkey', 'Complete a passkey registration'],
  ['POST', `${S}/{storeName}/passkeys/authentications`, 'authenticatePasskey', 'passkey', 'Complete a passkey authentication in one call (user, relying party and policy in the body)'],
  ['POST', `${S}/{storeName}/passkeys/authentications/sessions/{sessionId}`, 'completePasskeyAuthentication', 'passkey', 'Complete a passkey authentication'],
  ['POST', `${S}/{storeName}/passkeys/relyingParties/{rpId}/registrations/{regPolicyName}`, 'startStorePasskeyRegistration', 'passkey', 'Start a passkey registration at store level (user in the body)'],
  ['POST', `${S}/{storeName}/passkeys/relyingParties/{rpId}/authentications/{authPolicyName}`, 'startUsernamelessPasskeyAuthentication', 'passkey', 'Start a usernameless passkey authentication (discoverable credentials)'],
  ['POST', `${S}/{storeName}/appkeys/registrations`, 'startAppkeyRegistration', 'appkey', 'Start an appkey registration', false],
  ['POST', `${S}/{storeName}/appkeys/registrations/sessions/{sessionId}`, 'completeAppkeyRegistration', 'appkey', 'Complete an appkey registration', false],
  ['POST', `${S}/{storeName}/appkeys/authentications`, 'startAppkeyAuthentication', 'appkey', 'Start an appkey authentication', false],
  ['POST', `${S}/{storeName}/appkeys/authentications/sessions/{sessionId}`, 'completeAppkeyAuthentication', 'appkey', 'Complete an appkey authentication', false],
];

/** User-scoped operations: [method, suffix after the user segment, operationId, service, summary, implemented] */
const userLevel: Row[] = [
  ['GET', '', 'getUser', 'identity', 'Get a user'],
  ['POST', '', 'updateUser', 'identity', 'Update a user'],
  ['DELETE', '', 'deleteUser', 'identity', 'Delete a user'],
  ['POST', '/totps/registrations/{policyName}', 'startTotpRegistration', 'totp', 'Start a TOTP registration'],
  ['POST', '/totps/registrations/{policyName}/complete', 'completeTotpRegistration', 'totp', 'Complete a TOTP registration with a first code'],
  ['GET', '/totps/registrations/{policyName}', 'getTotpRegistration', 'totp', "Get the user's TOTP of a policy"],
  ['POST', '/totps/authentications/{policyName}', 'authenticateTotp', 'totp', 'Authenticate with a TOTP code'],
  ['POST', '/totps/deregistrations/{policyName}', 'deregisterTotp', 'totp', 'Deregister the TOTP of a policy'],
  ['GET', '/totps', 'listTotps', 'totp', "List the user's TOTPs"],
  ['GET', '/totps/{id}', 'getTotp', 'totp', 'Get a TOTP'],
  ['POST', '/totps/{id}', 'updateTotp', 'totp', "Update a TOTP's status"],
  ['DELETE', '/totps/{id}', 'deleteTotp', 'totp', 'Delete a TOTP'],
  ['GET', '/authentications/{id}', 'getAuthentication', 'audit', 'Get an authentication audit record'],
  ['POST', '/passcodes/registrations/{policyName}', 'startPasscodeRegistration', 'passcode', 'Start a passcode registration'],
  ['GET', '/passcodes/registrations/{policyName}', 'getPasscodeRegistration', 'passcode', "Get the user's passcode of a policy"],
  ['POST', '/passcodes/renewals/{policyName}', 'startPasscodeRenewal', 'passcode', 'Start a passcode renewal'],
  ['POST', '/passcodes/authentications/{policyName}', 'startPasscodeAuthentication', 'passcode', 'Start a passcode authentication'],
  ['POST', '/passcodes/deregistrations/{policyName}', 'deregisterPasscode', 'passcode', 'Deregister the passcode of a policy'],
  ['GET', '/passcodes', 'listPasscodes', 'passcode', "List the user's passcodes"],
  ['GET', '/passcodes/{id}', 'getPasscode', 'passcode', 'Get a passcode'],
  ['POST', '/passcodes/{id}', 'updatePasscode', 'passcode', "Update a passcode's status or expiration"],
  ['DELETE', '/passcodes/{id}', 'deletePasscode', 'passcode', 'Delete a passcode'],
  ['POST', '/passkeys/relyingParties/{rpId}/registrations/{regPolicyName}', 'startPasskeyRegistration', 'passkey', 'Start a passkey registration'],
  ['POST', '/passkeys/relyingParties/{rpId}/authentications/{authPolicyName}', 'startPasskeyAuthentication', 'passkey', 'Start a passkey authentication'],
  // Audit records are the audit service's (projected from PasskeyRegistrationCompleted).
  ['GET', '/passkeys/{id}/registrationAudit', 'getPasskeyRegistrationAudit', 'audit', 'Get the registration audit of a passkey'],
  ['GET', '/passkeys', 'listPasskeys', 'passkey', "List the user's passkeys"],
  ['GET', '/passkeys/{id}', 'getPasskey', 'passkey', 'Get a passkey'],
  ['POST', '/passkeys/{id}', 'updatePasskey', 'passkey', "Update a passkey's status or name"],
  ['DELETE', '/passkeys/{id}', 'deletePasskey', 'passkey', 'Delete a passkey'],
  ['POST', '/appkeys/relyingParties/{rpId}/deregistrations', 'deregisterAppkeys', 'appkey', 'Deregister appkeys of a relying party', false],
  ['POST', '/appkeys/relyingParties/{rpId}/preferredDevices', 'setPreferredDevices', 'appkey', 'Set preferred devices', false],
  ['DELETE', '/appkeys/relyingParties/{rpId}/preferredDevices', 'clearPreferredDevices', 'appkey', 'Clear preferred devices', false],
  ['DELETE', '/appkeys/relyingParties/{rpId}/preferredDevice/{deviceId}', 'removePreferredDevice', 'appkey', 'Remove a preferred device', false],
  ['DELETE', '/appkeys/relyingParties/{rpId}/registrations/keyIds/{keyId}', 'deleteAppkeyByKeyId', 'appkey', 'Delete an appkey by key id', false],
  ['GET', '/appkeys/{id}/registrationAudit', 'getAppkeyRegistrationAudit', 'appkey', 'Get the registration audit of an appkey', false],
  ['POST', '/biometrics/{type}', 'enrolBiometric', 'biometric', 'Enrol a biometric', false],
  ['POST', '/biometrics/authentications/face', 'authenticateFace', 'biometric', 'Authenticate with a face probe', false],
  ['POST', '/biometrics/authentications/failure', 'recordBiometricFailure', 'biometric', 'Record a client-side biometric failure', false],
];

const apiKeyOps: Row[] = [
  ['GET', '/api/arthr/apiKeys', 'listApiKeys', 'identity', 'List API keys'],
  ['POST', '/api/arthr/apiKeys', 'createApiKey', 'identity', 'Create an API key'],
  ['GET', '/api/arthr/apiKeys/{id}', 'getApiKey', 'identity', 'Get an API key'],
  ['POST', '/api/arthr/apiKeys/{id}', 'updateApiKey', 'identity', 'Update an API key'],
  ['DELETE', '/api/arthr/apiKeys/{id}', 'deleteApiKey', 'identity', 'Revoke an API key'],
];

const toOp = ([method, path, operationId, service, summary, implemented = true]: Row): OperationDef => ({
  operationId,
  method,
  path,
  permission: `IdentityStore:${operationId}`,
  service,
  summary,
  implemented,
});

export const operations: OperationDef[] = [
  ...storeLevel.map(toOp),
  ...userLevel.flatMap(([method, suffix, operationId, service, summary, implemented]) => [
    toOp([method, `${U}${suffix}`, operationId, service, summary, implemented]),
    {
      ...toOp([method, `${X}${suffix}/ext`, `${operationId}ByExtId`, service, `${summary} (by external id)`, implemented]),
      permission: `IdentityStore:${operationId}`,
    },
  ]),
];

/** API-key management: answered by the gateway itself. */
export const apiKeyOperations: OperationDef[] = apiKeyOps.map((row) => ({ ...toOp(row), service: 'identity' }));

export const operationById = new Map(operations.map((op) => [op.operationId, op]));
