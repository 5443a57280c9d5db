import type { z } from 'zod';
import { pageOf, pageQuerySchema } from '../api/common';
import { defineOperations, STORES_PATH as S, USER_PATH as U } from '../api/operation-table';
import {
  apnsConfigSchema,
  apnsConfigViewSchema,
  appkeyAuthenticationPolicySchema,
  appkeyConfigSchema,
  appkeyRegistrationPolicySchema,
  createAppkeyConfigBodySchema,
  createPushNotificationPolicyBodySchema,
  fcmConfigSchema,
  fcmConfigViewSchema,
  pushNotificationPolicySchema,
  TRUSTED_FACETS_MEDIA_TYPE,
  trustedFacetsSchema,
  updateAppkeyConfigBodySchema,
  updatePushNotificationPolicyBodySchema,
} from './store';
import { biometricPolicyBodySchema, biometricPolicySchema, updateBiometricPolicyBodySchema } from './biometric-policy';
import {
  passkeyAuthenticationPolicySchema,
  passkeyConfigSchema,
  passkeyRegistrationPolicySchema,
  passkeyRpIdSchema,
} from './passkey-config';
import {
  createPasscodePolicyBodySchema,
  createPasskeyConfigBodySchema,
  createStoreBodySchema,
  createTotpPolicyBodySchema,
  passcodeClientRulesSchema,
  passcodeKdfSchema,
  passcodePolicySchema,
  storeSchema,
  totpPolicySchema,
  updatePasscodePolicyBodySchema,
  updatePasskeyConfigBodySchema,
  updateStoreBodySchema,
  updateTotpPolicyBodySchema,
} from './store';
import {
  createUserBodySchema,
  summaryGroupSchema,
  summaryInfoSchema,
  updateUserBodySchema,
  userSchema,
  userStatusSchema,
} from './user';

export const storePageSchema = pageOf(storeSchema);
export const userPageSchema = pageOf(userSchema);

const withPolicy = (what: string) => ({ schema: storeSchema, description: `The store ${what}.` });
/** Passkey and appkey configurations and push policies are keyed by their rpId, a domain name (unknown ones are 404). */
const rpIdParams = { rpId: passkeyRpIdSchema };

/** Stores, their policies and configurations, and users: the identity service's operations. */
export const identityOperations = defineOperations({
  // ---- stores ----
  createStore: {
    method: 'POST', path: S, service: 'identity', summary: 'Create a store',
    body: createStoreBodySchema,
    responses: { 201: storeSchema },
    problems: [400, 409],
    etag: true,
  },
  listStores: {
    method: 'GET', path: S, service: 'identity', summary: 'List stores',
    query: pageQuerySchema,
    sortFields: ['name', 'createdDtm', 'lastUpdatedDtm'],
    responses: {
      200: {
        schema: storePageSchema,
        description: 'A page of stores (only the key’s stores for a store-restricted key).',
      },
    },
    problems: [400],
  },
  getStore: {
    method: 'GET', path: `${S}/{storeName}`, service: 'identity', summary: 'Get a store',
    responses: { 200: storeSchema }, problems: [404], etag: true,
  },
  updateStore: {
    method: 'POST', path: `${S}/{storeName}`, service: 'identity', summary: 'Update a store',
    body: updateStoreBodySchema,
    responses: { 200: storeSchema },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deleteStore: {
    method: 'DELETE', path: `${S}/{storeName}`, service: 'identity', summary: 'Delete a store',
    responses: { 204: null }, problems: [404, 412], ifMatch: true,
  },
  createUser: {
    method: 'POST', path: `${S}/{storeName}/users`, service: 'identity', summary: 'Create a user',
    body: createUserBodySchema,
    // The changelog: "Changed response: 200 OK".
    responses: { 200: userSchema },
    problems: [400, 404, 409],
    etag: true,
  },
  listUsers: {
    method: 'GET', path: `${S}/{storeName}/users`, service: 'identity', summary: 'List users',
    query: pageQuerySchema,
    sortFields: ['extId', 'status', 'createdDtm', 'lastUpdatedDtm'],
    responses: { 200: userPageSchema },
    problems: [400, 404],
  },

  // ---- TOTP policies ----
  createTotpPolicy: {
    method: 'POST', path: `${S}/{storeName}/totpPolicy`, service: 'identity', summary: 'Create a TOTP policy',
    body: createTotpPolicyBodySchema,
    responses: { 201: withPolicy('with the new policy') },
    problems: [400, 404, 409],
    etag: true,
  },
  getTotpPolicy: {
    method: 'GET', path: `${S}/{storeName}/totpPolicy/{policyName}`, service: 'identity', summary: 'Get a TOTP policy',
    responses: { 200: totpPolicySchema }, problems: [404],
  },
  updateTotpPolicy: {
    method: 'POST', path: `${S}/{storeName}/totpPolicy/{policyName}`, service: 'identity', summary: 'Update a TOTP policy',
    body: updateTotpPolicyBodySchema,
    responses: { 200: withPolicy('with the updated policy') },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deleteTotpPolicy: {
    method: 'DELETE', path: `${S}/{storeName}/totpPolicy/{policyName}`, service: 'identity', summary: 'Delete a TOTP policy',
    responses: { 200: withPolicy('without the policy') },
    problems: [404, 412],
    ifMatch: true,
    etag: true,
  },

  // ---- passcode policies ----
  createPasscodePolicy: {
    method: 'POST', path: `${S}/{storeName}/passcodePolicy`, service: 'identity', summary: 'Create a passcode policy',
    body: createPasscodePolicyBodySchema,
    description:
      'Fields left out take the defaults the schema shows (a body may be just `{ "name": … }`). Besides the ' +
      'field schemas: `clientRules.minLength` ≤ `clientRules.maxLength`, and a `renewalWindow` only with a `validity`.',
    responses: { 201: withPolicy('with the new policy') },
    problems: [400, 404, 409],
    etag: true,
  },
  getPasscodePolicy: {
    method: 'GET', path: `${S}/{storeName}/passcodePolicy/{policyName}`, service: 'identity', summary: 'Get a passcode policy',
    responses: { 200: passcodePolicySchema }, problems: [404],
  },
  updatePasscodePolicy: {
    method: 'POST', path: `${S}/{storeName}/passcodePolicy/{policyName}`, service: 'identity', summary: 'Update a passcode policy',
    body: updatePasscodePolicyBodySchema,
    description:
      'Fields left out keep their value; `clientRules` may name a subset of its rules. The merged policy is ' +
      'validated as a whole (`minLength` ≤ `maxLength`, `renewalWindow` only with a `validity`).',
    responses: { 200: withPolicy('with the updated policy') },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deletePasscodePolicy: {
    method: 'DELETE', path: `${S}/{storeName}/passcodePolicy/{policyName}`, service: 'identity', summary: 'Delete a passcode policy',
    responses: { 200: withPolicy('without the policy') },
    problems: [404, 412],
    ifMatch: true,
    etag: true,
  },

  // ---- passkey relying-party configurations ----
  createPasskeyConfig: {
    method: 'POST', path: `${S}/{storeName}/passkeyConfig`, service: 'identity', summary: 'Create a passkey relying-party configuration',
    body: createPasskeyConfigBodySchema,
    description:
      'One configuration per `rpId` (409 `PASSKEY_CONFIG_EXISTS` for a taken one). `rpId` is a lowercase domain name; ' +
      'each origin is `https://<host>[:port]` (or `http://localhost[:port]` for development) whose host is the ' +
      '`rpId` or a subdomain of it, listed once. Policies are keyed by name (1–20 letters, digits or hyphens); fields ' +
      'left out take the defaults the schema shows. `hints` are ordered by decreasing preference, each at most once.',
    responses: { 201: withPolicy('with the new configuration') },
    problems: [400, 404, 409],
    etag: true,
  },
  getPasskeyConfig: {
    method: 'GET', path: `${S}/{storeName}/passkeyConfig/{rpId}`, service: 'identity', summary: 'Get a passkey relying-party configuration',
    params: rpIdParams,
    responses: { 200: passkeyConfigSchema }, problems: [404],
  },
  updatePasskeyConfig: {
    method: 'POST', path: `${S}/{storeName}/passkeyConfig/{rpId}`, service: 'identity', summary: 'Update a passkey relying-party configuration',
    params: rpIdParams,
    body: updatePasskeyConfigBodySchema,
    description:
      'Fields left out keep their value; `origins` replaces the list. In `registrationPolicies` and ' +
      '`authenticationPolicies` each named policy is added or replaced as a whole and `null` removes one; the others ' +
      'are kept. The configuration it produces is validated as a whole (origins against the `rpId`). 404 ' +
      '`PASSKEY_CONFIG_NOT_FOUND` for an unknown `rpId`.',
    responses: { 200: withPolicy('with the updated configuration') },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deletePasskeyConfig: {
    method: 'DELETE', path: `${S}/{storeName}/passkeyConfig/{rpId}`, service: 'identity', summary: 'Delete a passkey relying-party configuration',
    params: rpIdParams,
    responses: { 200: withPolicy('without the configuration') },
    problems: [404, 412],
    ifMatch: true,
    etag: true,
  },

  // ---- appkey (FIDO UAF) configurations ----
  createAppkeyConfig: {
    method: 'POST', path: `${S}/{storeName}/appkeyConfig`, service: 'identity', summary: 'Create an appkey configuration',
    body: createAppkeyConfigBodySchema,
    description:
      'One configuration per `rpId` (409 `APPKEY_CONFIG_EXISTS` for a taken one). `facets` are ' +
      '`android:apk-key-hash:<base64 SHA-1 or SHA-256>`, `ios:bundle-id:<bundle id>` or https origins, each once. ' +
      '`appID` left out: the path of this API’s TrustedFacets list, `/api/identity-store/public/stores/{storeName}/' +
      'appkeys/{rpId}/facets` (served without a token). Policies are keyed by name (1–20 letters, digits or hyphens); ' +
      'left out, each map holds a policy named `default`; fields left out take the defaults the schema shows.',
    responses: { 201: withPolicy('with the new configuration') },
    problems: [400, 404, 409],
    etag: true,
  },
  getAppkeyConfig: {
    method: 'GET', path: `${S}/{storeName}/appkeyConfig/{rpId}`, service: 'identity', summary: 'Get an appkey configuration',
    params: rpIdParams,
    responses: { 200: appkeyConfigSchema }, problems: [404],
  },
  updateAppkeyConfig: {
    method: 'POST', path: `${S}/{storeName}/appkeyConfig/{rpId}`, service: 'identity', summary: 'Update an appkey configuration',
    params: rpIdParams,
    body: updateAppkeyConfigBodySchema,
    description:
      'Fields left out keep their value; `facets` and `attestationRootCertificates` replace the list (`null` removes the ' +
      'certificates). In the policy maps each named policy is added or replaced as a whole and `null` removes one. The ' +
      'configuration it produces is validated as a whole. 404 `APPKEY_CONFIG_NOT_FOUND` for an unknown `rpId`.',
    responses: { 200: withPolicy('with the updated configuration') },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deleteAppkeyConfig: {
    method: 'DELETE', path: `${S}/{storeName}/appkeyConfig/{rpId}`, service: 'identity', summary: 'Delete an appkey configuration',
    params: rpIdParams,
    responses: { 200: withPolicy('without the configuration') },
    problems: [404, 412],
    ifMatch: true,
    etag: true,
  },
  getTrustedFacets: {
    method: 'GET', path: '/api/identity-store/public/stores/{storeName}/appkeys/{rpId}/facets', service: 'identity',
    summary: 'The TrustedFacets list of an appkey configuration',
    public: true,
    params: rpIdParams,
    description:
      'The FIDO AppID and Facet Specification’s TrustedFacets list of the configuration’s facets (UAF 1.1), which UAF ' +
      'clients fetch from the `appID` URL: public, no token. Cacheable for 5 minutes.',
    responses: { 200: { schema: trustedFacetsSchema, description: 'The TrustedFacets list.' } },
    mediaType: TRUSTED_FACETS_MEDIA_TYPE,
    problems: [404],
  },

  // ---- push notification policies (APNs, FCM) ----
  createPushNotificationPolicy: {
    method: 'POST', path: `${S}/{storeName}/pushNotificationPolicy`, service: 'identity', summary: 'Create a push notification policy',
    body: createPushNotificationPolicyBodySchema,
    description:
      'One policy per `rpId` (409 `PUSH_NOTIFICATION_POLICY_EXISTS` for a taken one), with `apnsConfig`, `fcmConfig` or ' +
      'both. The private keys (APNs: the ECDSA P-256 `.p8` key; FCM: the service account’s RSA key; PEM) are checked, ' +
      'stored encrypted and write-only: answers show `privateKeyConfigured: true` instead.',
    responses: { 201: withPolicy('with the new policy') },
    problems: [400, 404, 409],
    etag: true,
  },
  getPushNotificationPolicy: {
    method: 'GET', path: `${S}/{storeName}/pushNotificationPolicy/{rpId}`, service: 'identity', summary: 'Get a push notification policy',
    params: rpIdParams,
    description: 'The policy without its private keys (`privateKeyConfigured: true` instead).',
    responses: { 200: pushNotificationPolicySchema }, problems: [404],
  },
  updatePushNotificationPolicy: {
    method: 'POST', path: `${S}/{storeName}/pushNotificationPolicy/{rpId}`, service: 'identity', summary: 'Update a push notification policy',
    params: rpIdParams,
    body: updatePushNotificationPolicyBodySchema,
    description:
      'Fields left out keep their value. A provider’s config is updated field by field: its `privateKey` left out keeps the ' +
      'stored key, an `endpoint` or `tokenEndpoint` of `null` removes the override; a provider of `null` is removed. The ' +
      'policy it produces is validated as a whole (at least one provider). 404 `PUSH_NOTIFICATION_POLICY_NOT_FOUND` for an ' +
      'unknown `rpId`.',
    responses: { 200: withPolicy('with the updated policy') },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deletePushNotificationPolicy: {
    method: 'DELETE', path: `${S}/{storeName}/pushNotificationPolicy/{rpId}`, service: 'identity', summary: 'Delete a push notification policy',
    params: rpIdParams,
    responses: { 200: withPolicy('without the policy') },
    problems: [404, 412],
    ifMatch: true,
    etag: true,
  },

  // ---- the biometric policy (one per store; beyond the seed) ----
  getBiometricPolicy: {
    method: 'GET', path: `${S}/{storeName}/biometricPolicy`, service: 'identity', summary: 'Get the biometric policy',
    description:
      'The policy the store’s face authentications are judged by: the stored one or, when the store has none ' +
      '(its `biometricPolicy` is null), the defaults, in the same shape (whether they are stored shows in the Store). ' +
      'The ETag is the store’s, for an `If-Match` on the write that follows.',
    responses: { 200: { schema: biometricPolicySchema, description: 'The effective biometric policy.' } },
    problems: [404],
    etag: true,
  },
  setBiometricPolicy: {
    method: 'POST', path: `${S}/{storeName}/biometricPolicy`, service: 'identity', summary: 'Set the biometric policy',
    body: updateBiometricPolicyBodySchema,
    description:
      'The fields given are merged into the effective policy (the stored one, else the defaults); fields left out ' +
      'keep their value there. The merged policy is validated as a whole and stored (set or replaced), so `{}` stores ' +
      'the defaults as the store’s own. The store create and update bodies take a `biometricPolicy` too, whole: fields ' +
      'left out take the defaults, `null` removes it.',
    responses: { 200: withPolicy('with its biometric policy') },
    problems: [400, 404, 412],
    ifMatch: true,
    etag: true,
  },
  deleteBiometricPolicy: {
    method: 'DELETE', path: `${S}/{storeName}/biometricPolicy`, service: 'identity', summary: 'Remove the biometric policy',
    description: 'The store’s `biometricPolicy` becomes null: the defaults apply. Without a stored policy nothing changes (200 all the same).',
    responses: { 200: withPolicy('with `biometricPolicy: null`') },
    problems: [404, 412],
    ifMatch: true,
    etag: true,
  },

  // ---- a user (also by external id) ----
  getUser: {
    method: 'GET', path: U, service: 'identity', summary: 'Get a user',
    responses: { 200: userSchema }, problems: [404], etag: true,
  },
  updateUser: {
    method: 'POST', path: U, service: 'identity', summary: 'Update a user',
    body: updateUserBodySchema,
    responses: { 200: userSchema },
    problems: [400, 404, 409, 412],
    ifMatch: true,
    etag: true,
  },
  deleteUser: {
    method: 'DELETE', path: U, service: 'identity', summary: 'Delete a user',
    responses: { 204: null }, problems: [404, 412], ifMatch: true,
  },
});

/** The identity schemas the API document names (component name, schema). */
export const identityComponents: ReadonlyArray<readonly [string, z.ZodType]> = [
  // Before the Store and its bodies, which hold them nullable: zod-to-openapi renders a named schema
  // where it first meets it, and met first as a nullable property the component itself is nullable.
  ['BiometricPolicy', biometricPolicySchema],
  ['BiometricPolicyBody', biometricPolicyBodySchema],
  ['Store', storeSchema],
  ['StorePage', storePageSchema],
  ['CreateStoreBody', createStoreBodySchema],
  ['UpdateStoreBody', updateStoreBodySchema],
  ['TotpPolicy', totpPolicySchema],
  ['CreateTotpPolicyBody', createTotpPolicyBodySchema],
  ['UpdateTotpPolicyBody', updateTotpPolicyBodySchema],
  ['PasscodePolicy', passcodePolicySchema],
  ['CreatePasscodePolicyBody', createPasscodePolicyBodySchema],
  ['PasscodeClientRules', passcodeClientRulesSchema],
  ['PasscodeKdf', passcodeKdfSchema],
  ['UpdatePasscodePolicyBody', updatePasscodePolicyBodySchema],
  // createPasskeyConfigBodySchema is passkeyConfigSchema itself: one component.
  ['PasskeyConfig', passkeyConfigSchema],
  ['PasskeyRegistrationPolicy', passkeyRegistrationPolicySchema],
  ['PasskeyAuthenticationPolicy', passkeyAuthenticationPolicySchema],
  ['UpdatePasskeyConfigBody', updatePasskeyConfigBodySchema],
  ['AppkeyConfig', appkeyConfigSchema],
  ['CreateAppkeyConfigBody', createAppkeyConfigBodySchema],
  ['AppkeyRegistrationPolicy', appkeyRegistrationPolicySchema],
  ['AppkeyAuthenticationPolicy', appkeyAuthenticationPolicySchema],
  ['UpdateAppkeyConfigBody', updateAppkeyConfigBodySchema],
  ['TrustedFacets', trustedFacetsSchema],
  ['PushNotificationPolicy', pushNotificationPolicySchema],
  ['CreatePushNotificationPolicyBody', createPushNotificationPolicyBodySchema],
  ['ApnsConfig', apnsConfigSchema],
  ['FcmConfig', fcmConfigSchema],
  ['ApnsConfigView', apnsConfigViewSchema],
  ['FcmConfigView', fcmConfigViewSchema],
  ['UpdatePushNotificationPolicyBody', updatePushNotificationPolicyBodySchema],
  ['UpdateBiometricPolicyBody', updateBiometricPolicyBodySchema],
  ['UserStatus', userStatusSchema],
  ['User', userSchema],
  ['UserPage', userPageSchema],
  ['CreateUserBody', createUserBodySchema],
  ['UpdateUserBody', updateUserBodySchema],
  ['SummaryInfo', summaryInfoSchema],
  ['SummaryGroup', summaryGroupSchema],
  ['SummaryGroupItem', summaryGroupSchema.shape.items.element],
];
