import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { eachOnce, isoDurationSchema } from '../api/common';
import {
  configsByRpId,
  isDomainName,
  originHost,
  passkeyHintsSchema,
  passkeyRpIdSchema,
  passkeyTimeoutSchema,
  policyRecord,
} from './passkey-config';

/**
 * Appkey (FIDO UAF 1.1) configuration of a store, keyed by `rpId` (`Store.appkeyConfigs`). The
 * appkey service builds its UAF requests from it: the header's `appID`, the `policy` of a
 * registration or authentication from the named policy, and the facet ids a response may come from.
 */

// ---- UAF registry values ----------------------------------------------------------------------

/**
 * The user verification methods of the FIDO "UAF Registry of Predefined Values" (§3.1), by the name
 * the API uses, with their `USER_VERIFY_*` bit.
 */
export const UAF_USER_VERIFICATION_METHODS = {
  presence: 0x01,
  fingerprint: 0x02,
  passcode: 0x04,
  voiceprint: 0x08,
  faceprint: 0x10,
  location: 0x20,
  eyeprint: 0x40,
  pattern: 0x80,
  handprint: 0x100,
  none: 0x200,
  all: 0x400,
} as const;
export type AppkeyUserVerificationMethod = keyof typeof UAF_USER_VERIFICATION_METHODS;
export const appkeyUserVerificationMethodSchema = z.enum(
  Object.keys(UAF_USER_VERIFICATION_METHODS) as [AppkeyUserVerificationMethod, ...AppkeyUserVerificationMethod[]],
);

/**
 * The methods a policy accepts: any one of them, or — with `all` — every other listed method
 * together (UAF `USER_VERIFY_ALL`). `none` (no verification, not even presence) stands alone; `all`
 * needs at least two methods to combine; each method at most once.
 */
export const appkeyUserVerificationSchema = z
  .array(appkeyUserVerificationMethodSchema)
  .min(1)
  .check(
    eachOnce('method'),
    z.superRefine(
      (methods: unknown[], ctx) => {
        const others = methods.filter((method) => method !== 'none' && method !== 'all');
        if (methods.includes('none') && methods.length > 1)
          ctx.addIssue({ code: 'custom', path: [methods.indexOf('none')], message: 'none must be the only method' });
        if (methods.includes('all') && new Set(others).size < 2)
          ctx.addIssue({ code: 'custom', path: [methods.indexOf('all')], message: 'all needs at least two methods to combine' });
      },
      { when: ({ value }) => Array.isArray(value) },
    ),
  )
  .describe(
    'UAF user verification methods: any one of them, or with `all` every other listed method together; `none` stands alone.',
  );

/** Which keys a registration makes: a device key, a biometric-bound key, or both. */
export const appkeyKeyTypeSchema = z.enum(['DEVICE', 'BIOMETRIC', 'DEVICE_AND_BIOMETRIC']);
export type AppkeyKeyType = z.infer<typeof appkeyKeyTypeSchema>;

/** Which UAF attestation a registration accepts (`TAG_ATTESTATION_BASIC_FULL` / `_SURROGATE`, or either). */
export const appkeyAttestationSchema = z.enum(['BASIC_FULL', 'BASIC_SURROGATE', 'ANY']);
export type AppkeyAttestation = z.infer<typeof appkeyAttestationSchema>;

/** An Authenticator Attestation ID: `V#M`, 4 hex digits of vendor and of model (UAF Protocol §3.1.4). */
export const aaidSchema = z
  .string()
  .regex(/^[0-9A-Fa-f]{4}#[0-9A-Fa-f]{4}$/, 'must be an AAID: 4 hex digits, #, 4 hex digits (e.g. 4E4E#4005)');

const acceptedAaidsSchema = z
  .array(aaidSchema)
  .min(1)
  .max(100)
  .check(eachOnce('AAID', (aaid) => (typeof aaid === 'string' ? aaid.toUpperCase() : aaid)))
  .describe('Only authenticators of these AAIDs (case-insensitive, each once); absent: any.');

/** What a policy is when the request leaves a field out (README "Appkey configurations"). */
export const appkeyPolicyDefaults = {
  registration: {
    keyTypes: 'DEVICE',
    userVerification: ['presence'] as AppkeyUserVerificationMethod[],
    hints: [] as z.infer<typeof passkeyHintsSchema>,
    attestation: 'ANY',
  },
  authentication: {
    userVerification: ['presence'] as AppkeyUserVerificationMethod[],
    hints: [] as z.infer<typeof passkeyHintsSchema>,
    transaction: false,
    maxFailedAttempts: 5,
    lockoutDuration: 'PT15M',
  },
  maxDevices: 5,
} as const;

const registrationDefaults = appkeyPolicyDefaults.registration;
const authenticationDefaults = appkeyPolicyDefaults.authentication;

/**
 * A registration policy: the key types it registers, the accepted user verification, hints,
 * authenticators (AAIDs) and attestation; `timeout` (ms) absent: the appkey service's own session lifetime.
 */
export const appkeyRegistrationPolicySchema = z
  .object({
    keyTypes: appkeyKeyTypeSchema.default(registrationDefaults.keyTypes),
    userVerification: appkeyUserVerificationSchema.default(() => [...registrationDefaults.userVerification]),
    hints: passkeyHintsSchema.default(() => [...registrationDefaults.hints]),
    acceptedAaids: acceptedAaidsSchema.optional(),
    attestation: appkeyAttestationSchema.default(registrationDefaults.attestation),
    timeout: passkeyTimeoutSchema.optional(),
  })
  .strict();
export type AppkeyRegistrationPolicy = z.output<typeof appkeyRegistrationPolicySchema>;

/**
 * An authentication policy: accepted user verification, hints, whether a transaction text is shown
 * (UAF transaction confirmation), and `timeout` (ms; absent: the appkey service's session lifetime).
 */
export const appkeyAuthenticationPolicySchema = z
  .object({
    userVerification: appkeyUserVerificationSchema.default(() => [...authenticationDefaults.userVerification]),
    hints: passkeyHintsSchema.default(() => [...authenticationDefaults.hints]),
    transaction: z
      .boolean()
      .default(authenticationDefaults.transaction)
      .describe('Every authentication of this policy must carry a transaction text to confirm.'),
    timeout: passkeyTimeoutSchema.optional(),
    /** Consecutive failed authentications (per user and relying party) before its appkeys lock. */
    maxFailedAttempts: z.number().int().min(1).max(100).default(authenticationDefaults.maxFailedAttempts),
    lockoutDuration: isoDurationSchema.default(authenticationDefaults.lockoutDuration),
  })
  .strict();
export type AppkeyAuthenticationPolicy = z.output<typeof appkeyAuthenticationPolicySchema>;

// ---- facets and AppID (FIDO AppID and Facet Specification) -------------------------------------

const APK_KEY_HASH = 'android:apk-key-hash:';
const IOS_BUNDLE_ID = 'ios:bundle-id:';

/** An Apple bundle id: reverse-DNS segments of letters, digits and hyphens (e.g. com.example.app). */
export const isBundleId = (value: string): boolean =>
  value.length <= 155 && /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/.test(value);

/**
 * The hash of an Android facet id: base64 (or base64url), padding optional, of a SHA-1 (the UAF
 * 1.1 facet id) or SHA-256 (what many apps and FIDO2 use) digest of the APK signing certificate.
 */
const isApkKeyHash = (hash: string): boolean => {
  const match = /^([A-Za-z0-9+/_-]+)(={0,2})$/.exec(hash);
  if (!match) return false;
  const [, digits = '', padding = ''] = match;
  const bytes = Buffer.from(digits, 'base64').length;
  const paddedRight = padding === '' || (digits.length + padding.length) % 4 === 0;
  return (bytes === 20 || bytes === 32) && digits.length === Math.ceil((bytes * 4) / 3) && paddedRight;
};

/** A web facet: an https origin exactly as serialised (`https://<domain>[:port]`). */
const isWebFacet = (facet: string): boolean => {
  const host = originHost(facet);
  return host !== undefined && isDomainName(host) && facet.startsWith('https://');
};

export const isFacetId = (facet: string): boolean => {
  if (facet.startsWith(APK_KEY_HASH)) return isApkKeyHash(facet.slice(APK_KEY_HASH.length));
  if (facet.startsWith(IOS_BUNDLE_ID)) return isBundleId(facet.slice(IOS_BUNDLE_ID.length));
  return isWebFacet(facet);
};

export const appkeyFacetIdSchema = z
  .string()
  .max(300)
  .refine(
    isFacetId,
    'must be android:apk-key-hash:<base64 SHA-1 or SHA-256 of the signing certificate>, ios:bundle-id:<bundle id> ' +
      'or an https origin such as https://login.example.com',
  );

const facetsSchema = z
  .array(appkeyFacetIdSchema)
  .min(1)
  .max(100)
  .check(eachOnce('facet'))
  .describe(
    'The facet ids UAF responses may come from (the TrustedFacets list): `android:apk-key-hash:…`, `ios:bundle-id:…`, https origins; each once.',
  );

/** Where this API serves the TrustedFacets list of a configuration (no token; the default `appID`). */
export const trustedFacetsPath = (storeName: string, rpId: string): string =>
  `/api/identity-store/public/stores/${storeName}/appkeys/${rpId}/facets`;

const TRUSTED_FACETS_PATH = /^\/api\/identity-store\/public\/stores\/[A-Za-z0-9_-]{1,64}\/appkeys\/[a-z0-9.-]{1,253}\/facets$/;

/** An https URL without credentials or fragment (a host that is a domain name). */
const isHttpsUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && isDomainName(url.hostname) && !url.username && !url.password && !url.hash;
  } catch {
    return false;
  }
};

/** An `appID` a request may set: the https URL of a TrustedFacets list. */
export const appIdSchema = z
  .string()
  .max(512)
  .refine(isHttpsUrl, 'must be an https URL (a domain name, no credentials or fragment)')
  .describe('The UAF AppID: the https URL of the TrustedFacets list (absent: this API’s own list, see appID of AppkeyConfig).');

/** An `appID` as stored: a URL a request set, or the default, the path of this API's list. */
const storedAppIdSchema = z
  .string()
  .refine((value) => isHttpsUrl(value) || TRUSTED_FACETS_PATH.test(value), 'must be an https URL or the path of the TrustedFacets list')
  .describe(
    'The UAF AppID. By default the path of this API’s TrustedFacets list, ' +
      '`/api/identity-store/public/stores/{storeName}/appkeys/{rpId}/facets`, relative to the origin clients reach the API on ' +
      '(the appkey service resolves it against that origin in its UAF requests); or the https URL a request set.',
  );

/** The certificate of a PEM text that holds exactly one, or undefined. */
const singleCertificate = (pem: string): X509Certificate | undefined => {
  if (pem.split('-----BEGIN CERTIFICATE-----').length !== 2) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
};

/** A trust anchor of BASIC_FULL attestation: one PEM certificate, a CA (basicConstraints cA). */
const attestationRootCertificateSchema = z
  .string()
  .max(16_384)
  .check(
    z.superRefine((pem: string, ctx) => {
      const certificate = singleCertificate(pem);
      if (!certificate) ctx.addIssue({ code: 'custom', message: 'must be one PEM certificate (-----BEGIN CERTIFICATE-----)' });
      else if (!certificate.ca) ctx.addIssue({ code: 'custom', message: 'must be a CA certificate (basicConstraints cA)' });
    }),
  );

// ---- configuration ----------------------------------------------------------------------------

/** The registration and authentication policies when a configuration names none. */
const defaultRegistrationPolicies = () => ({ default: appkeyRegistrationPolicySchema.parse({}) });
const defaultAuthenticationPolicies = () => ({ default: appkeyAuthenticationPolicySchema.parse({}) });

/** The fields of a configuration besides `rpId` and `appID`, with defaults. */
const appkeyConfigFields = {
  facets: facetsSchema,
  registrationPolicies: policyRecord(appkeyRegistrationPolicySchema, 'Registration').default(defaultRegistrationPolicies),
  authenticationPolicies: policyRecord(appkeyAuthenticationPolicySchema, 'Authentication').default(
    defaultAuthenticationPolicies,
  ),
  maxDevices: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(appkeyPolicyDefaults.maxDevices)
    .describe('Devices a user may register keys on for this rpId.'),
  attestationRootCertificates: z
    .array(attestationRootCertificateSchema)
    .min(1)
    .max(20)
    .optional()
    .describe('PEM CA certificates BASIC_FULL attestation chains must lead to; absent: any chain is accepted as it verifies.'),
};

/** An appkey configuration as stored, published and answered (`appID` filled in). */
export const appkeyConfigSchema = z
  .object({ rpId: passkeyRpIdSchema, appID: storedAppIdSchema, ...appkeyConfigFields })
  .strict();
export type AppkeyConfig = z.output<typeof appkeyConfigSchema>;

/**
 * A new appkey configuration (request body). Policies are keyed by name (1–20 letters, digits or
 * hyphens); left out, each map holds one policy named `default` with the default fields. `appID`
 * left out: the path of this API's TrustedFacets list (see {@link trustedFacetsPath}).
 */
export const createAppkeyConfigBodySchema = z
  .object({ rpId: passkeyRpIdSchema, appID: appIdSchema.optional(), ...appkeyConfigFields })
  .strict();
export type AppkeyConfigInput = z.output<typeof createAppkeyConfigBodySchema>;

/**
 * Update (`POST …/appkeyConfig/{rpId}`): any subset of the fields but `rpId` (the key). `facets` and
 * `attestationRootCertificates` replace the list (`null` removes the certificates); in the policy
 * maps each named policy is added or replaced as a whole and `null` removes it. The configuration it
 * produces is checked again with {@link appkeyConfigSchema}.
 */
export const updateAppkeyConfigBodySchema = z
  .object({
    appID: appIdSchema,
    facets: facetsSchema,
    registrationPolicies: policyRecord(appkeyRegistrationPolicySchema.nullable(), 'Registration'),
    authenticationPolicies: policyRecord(appkeyAuthenticationPolicySchema.nullable(), 'Authentication'),
    maxDevices: appkeyConfigFields.maxDevices.removeDefault(),
    attestationRootCertificates: z.array(attestationRootCertificateSchema).min(1).max(20).nullable(),
  })
  .partial()
  .strict();

/** Appkey configurations inside a store create/update body, keyed by rpId (see configsByRpId). */
export const appkeyConfigsInputSchema = configsByRpId({ appID: appIdSchema.optional(), ...appkeyConfigFields });

// ---- the TrustedFacets document ----------------------------------------------------------------

/** Media type of a TrustedFacets list (FIDO AppID and Facet Specification §3.1.2). */
export const TRUSTED_FACETS_MEDIA_TYPE = 'application/fido.trusted-apps+json';

/** The TrustedFacets list of a configuration: its facets for UAF 1.1. */
export const trustedFacetsSchema = z.object({
  trustedFacets: z.array(
    z.object({
      version: z.object({ major: z.number().int(), minor: z.number().int() }),
      ids: z.array(z.string()),
    }),
  ),
});
export type TrustedFacets = z.output<typeof trustedFacetsSchema>;

export const trustedFacetsOf = (config: Pick<AppkeyConfig, 'facets'>): TrustedFacets => ({
  trustedFacets: [{ version: { major: 1, minor: 1 }, ids: [...config.facets] }],
});
