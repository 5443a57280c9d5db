import { createPrivateKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { alwaysCheck } from '../api/common';
import { isBundleId } from './appkey-config';
import { configsByRpId, isDomainName, passkeyRpIdSchema } from './passkey-config';

/**
 * Push notification policy of a store, keyed by `rpId` (`Store.pushNotificationPolicies`): how the
 * appkey service reaches the user's devices when an authentication starts — APNs (token-based
 * provider authentication: an ES256 JWT from teamId, keyId and the `.p8` key) and/or FCM HTTP v1
 * (a service account's OAuth 2.0 JWT-bearer grant).
 *
 * The private keys are write-only: a request sets them, the identity service checks and encrypts
 * them (SecretBox, associated data {@link pushCredentialContext}) into its stored events, and no
 * answer, published event or log shows them; a policy shows `privateKeyConfigured: true` instead.
 * The appkey service reads the ciphertexts over an internal port and decrypts them itself.
 */

const PEM_MAX_LENGTH = 8_192;

/** The key of a PEM text, or undefined when it is not a private key (or is encrypted). */
const privateKeyOf = (pem: string): KeyObject | undefined => {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return undefined;
  }
};

/** A PEM private key the provider's JWTs are signed with, of the kind `accepts` checks. */
const privateKeySchema = (description: string, accepts: (key: KeyObject) => boolean) =>
  z
    .string()
    .max(PEM_MAX_LENGTH)
    .check(
      z.superRefine((pem: string, ctx) => {
        const key = privateKeyOf(pem);
        // The messages never quote the key.
        if (!key) ctx.addIssue({ code: 'custom', message: 'must be an unencrypted PEM private key' });
        else if (!accepts(key)) ctx.addIssue({ code: 'custom', message: `must be ${description}` });
      }),
    )
    .describe(`${description[0]!.toUpperCase()}${description.slice(1)} (PEM). Write-only: never answered.`);

const isLoopbackHost = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

/**
 * A provider URL: https, or http on a loopback host (a local stand-in of the provider in tests and
 * development); no credentials or fragment.
 */
const isProviderUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    if (url.username || url.password || url.hash) return false;
    if (url.protocol === 'http:') return isLoopbackHost(url.hostname);
    return url.protocol === 'https:' && (isDomainName(url.hostname) || isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
};
const providerUrlSchema = (what: string) =>
  z
    .string()
    .max(2_048)
    .refine(isProviderUrl, 'must be an https URL (http only on localhost), without credentials or fragment')
    .describe(`Overrides the provider's ${what} (https; http only on localhost, for local stand-ins).`);

// ---- APNs -------------------------------------------------------------------------------------

const appleIdSchema = (what: string) => z.string().regex(/^[A-Z0-9]{10}$/, `must be the 10-character ${what} (A–Z, 0–9)`);

const apnsFields = {
  teamId: appleIdSchema('Apple team id'),
  keyId: appleIdSchema('APNs key id'),
  bundleId: z
    .string()
    .refine(isBundleId, 'must be a bundle id such as com.example.app')
    .describe('The app’s bundle id: the `apns-topic`.'),
  production: z.boolean().describe('true: the production APNs environment; false: the sandbox.'),
  endpoint: providerUrlSchema('APNs URL').optional(),
};
const apnsPrivateKeySchema = privateKeySchema(
  'an ECDSA P-256 private key (the APNs .p8 key)',
  (key) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1',
);

/** APNs provider credentials as a request gives them. */
export const apnsConfigSchema = z.object({ ...apnsFields, privateKey: apnsPrivateKeySchema }).strict();

// ---- FCM --------------------------------------------------------------------------------------

const FCM_MIN_MODULUS_BITS = 2048;
const fcmFields = {
  projectId: z
    .string()
    .regex(/^(?:[a-z][a-z0-9.-]{0,62}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id such as my-app-1234')
    .describe('The Firebase project id (`/v1/projects/{projectId}/messages:send`).'),
  clientEmail: z.email().max(254).describe('The service account’s email (the JWT grant’s issuer).'),
  endpoint: providerUrlSchema('FCM URL').optional(),
  tokenEndpoint: providerUrlSchema('OAuth 2.0 token URL').optional(),
};
const fcmPrivateKeySchema = privateKeySchema(
  `an RSA private key of at least ${FCM_MIN_MODULUS_BITS} bits (the service account key)`,
  (key) => key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= FCM_MIN_MODULUS_BITS,
);

/** FCM HTTP v1 service account credentials as a request gives them. */
export const fcmConfigSchema = z.object({ ...fcmFields, privateKey: fcmPrivateKeySchema }).strict();

// ---- policy -----------------------------------------------------------------------------------

export const pushNotificationPolicyDefaults = { ttlSeconds: 3_600 } as const;

const ttlSecondsSchema = z
  .number()
  .int()
  .min(0)
  .max(2_419_200)
  .describe('How long a provider keeps trying to deliver a push, in seconds (0–28 days; APNs `apns-expiration`, FCM `ttl`).');

/** At least one provider: a policy without any cannot push. */
const NEEDS_A_PROVIDER = 'needs apnsConfig, fcmConfig or both';
const needsAProvider = alwaysCheck((policy, ctx) => {
  if (policy.apnsConfig === undefined && policy.fcmConfig === undefined)
    ctx.addIssue({ code: 'custom', path: [], message: NEEDS_A_PROVIDER });
});

const pushNotificationPolicyFields = {
  apnsConfig: apnsConfigSchema.optional(),
  fcmConfig: fcmConfigSchema.optional(),
  ttlSeconds: ttlSecondsSchema.default(pushNotificationPolicyDefaults.ttlSeconds),
};

/** A new push notification policy (request body); also what an updated policy must be as a whole. */
export const createPushNotificationPolicyBodySchema = z
  .object({ rpId: passkeyRpIdSchema, ...pushNotificationPolicyFields })
  .strict()
  .check(needsAProvider);
export type PushNotificationPolicyInput = z.output<typeof createPushNotificationPolicyBodySchema>;
export type ApnsConfigInput = z.output<typeof apnsConfigSchema>;
export type FcmConfigInput = z.output<typeof fcmConfigSchema>;

/**
 * Update (`POST …/pushNotificationPolicy/{rpId}`): any subset of the fields but `rpId`. A provider's
 * config is updated field by field (its `privateKey` left out keeps the stored key; an `endpoint` or
 * `tokenEndpoint` of `null` removes the override), and a provider of `null` is removed. The policy it
 * produces is checked again as a whole (with its keys) by {@link createPushNotificationPolicyBodySchema}.
 */
export const updatePushNotificationPolicyBodySchema = z
  .object({
    apnsConfig: z
      .object({ ...apnsFields, endpoint: apnsFields.endpoint.unwrap().nullable(), privateKey: apnsPrivateKeySchema })
      .partial()
      .strict()
      .nullable(),
    fcmConfig: z
      .object({
        ...fcmFields,
        endpoint: fcmFields.endpoint.unwrap().nullable(),
        tokenEndpoint: fcmFields.tokenEndpoint.unwrap().nullable(),
        privateKey: fcmPrivateKeySchema,
      })
      .partial()
      .strict()
      .nullable(),
    ttlSeconds: ttlSecondsSchema,
  })
  .partial()
  .strict();

/** Push notification policies inside a store create/update body, keyed by rpId (see configsByRpId). */
export const pushNotificationPoliciesInputSchema = configsByRpId(pushNotificationPolicyFields, (_rpId, policy) =>
  policy.apnsConfig === undefined && policy.fcmConfig === undefined ? [{ path: [], message: NEEDS_A_PROVIDER }] : [],
);

// ---- as answered and published: the keys replaced by privateKeyConfigured ---------------------

/** A provider's fields besides its key, as the identity service holds and shows them. */
const apnsShownFields = {
  teamId: z.string(),
  keyId: z.string(),
  bundleId: z.string(),
  production: z.boolean(),
  endpoint: z.string().optional(),
};
const fcmShownFields = {
  projectId: z.string(),
  clientEmail: z.string(),
  endpoint: z.string().optional(),
  tokenEndpoint: z.string().optional(),
};

const privateKeyConfigured = z.literal(true).describe('A private key is configured (it is write-only).');
export const apnsConfigViewSchema = z.object({ ...apnsShownFields, privateKeyConfigured });
export const fcmConfigViewSchema = z.object({ ...fcmShownFields, privateKeyConfigured });

/** A push notification policy as answered and published: no key, `privateKeyConfigured` instead. */
export const pushNotificationPolicySchema = z.object({
  rpId: z.string(),
  apnsConfig: apnsConfigViewSchema.optional(),
  fcmConfig: fcmConfigViewSchema.optional(),
  ttlSeconds: z.number().int(),
});
export type PushNotificationPolicy = z.output<typeof pushNotificationPolicySchema>;

// ---- what the appkey service reads: the keys as ciphertext ------------------------------------

export type PushProvider = 'apns' | 'fcm';

/**
 * The associated data a push provider's private key is encrypted under (SecretBox): bound to the
 * store, the rpId and the provider, so a ciphertext copied to another policy does not decrypt.
 */
export const pushCredentialContext = (storeId: string, rpId: string, provider: PushProvider): string =>
  `store-${storeId}/push:${rpId}:${provider}:privateKey`;

const encryptedPrivateKey = z.string().min(1).describe('SecretBox ciphertext of the PEM key (see pushCredentialContext).');

export const encryptedApnsCredentialsSchema = z.object({ ...apnsShownFields, encryptedPrivateKey });
export type EncryptedApnsCredentials = z.output<typeof encryptedApnsCredentialsSchema>;

export const encryptedFcmCredentialsSchema = z.object({ ...fcmShownFields, encryptedPrivateKey });
export type EncryptedFcmCredentials = z.output<typeof encryptedFcmCredentialsSchema>;

/** A policy's credentials for the appkey service (internal port): the private keys as ciphertext. */
export const encryptedPushCredentialsSchema = z.object({
  ttlSeconds: z.number().int(),
  apns: encryptedApnsCredentialsSchema.optional(),
  fcm: encryptedFcmCredentialsSchema.optional(),
});
export type EncryptedPushCredentials = z.output<typeof encryptedPushCredentialsSchema>;
