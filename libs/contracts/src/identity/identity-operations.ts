import type { z } from 'zod';
import { pageOf, pageQuerySchema } from '../api/common';
import { defineOperations, STORES_PATH as S, USER_PATH as U } from '../api/operation-table';
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
/** Passkey configurations are keyed by their rpId, a domain name (unknown ones are 404). */
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

  // ---- appkey configurations and push notification policies (not implemented yet) ----
  createAppkeyConfig: {
    method: 'POST', path: `${S}/{storeName}/appkeyConfig`, service: 'identity', summary: 'Create an appkey configuration',
    implemented: false,
  },
  updateAppkeyConfig: {
    method: 'POST', path: `${S}/{storeName}/appkeyConfig/{rpId}`, service: 'identity', summary: 'Update an appkey configuration',
    implemented: false,
  },
  createPushNotificationPolicy: {
    method: 'POST', path: `${S}/{storeName}/pushNotificationPolicy`, service: 'identity', summary: 'Create a push notification policy',
    implemented: false,
  },
  updatePushNotificationPolicy: {
    method: 'POST', path: `${S}/{storeName}/pushNotificationPolicy/{rpId}`, service: 'identity', summary: 'Update a push notification policy',
    implemented: false,
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
  ['UserStatus', userStatusSchema],
  ['User', userSchema],
  ['UserPage', userPageSchema],
  ['CreateUserBody', createUserBodySchema],
  ['UpdateUserBody', updateUserBodySchema],
  ['SummaryInfo', summaryInfoSchema],
  ['SummaryGroup', summaryGroupSchema],
  ['SummaryGroupItem', summaryGroupSchema.shape.items.element],
];
