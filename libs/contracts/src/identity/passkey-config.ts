import { z } from 'zod';
import { eachOnce, isPlainObject, policyNameSchema } from '../api/common';

/**
 * Passkey (WebAuthn L3) relying-party configuration of a store, keyed by `rpId`
 * (`Store.passkeyConfigs`). The passkey service builds its ceremony options from it: `rp` from
 * `rpId`/`rpName`, the expected origins of `clientDataJSON` from `origins`, and the options of a
 * ceremony from the named registration or authentication policy.
 */

// ---- enumerations (WebAuthn L3 spellings) -----------------------------------------------------

/** `PublicKeyCredentialCreationOptions.attestation`. */
export const passkeyAttestationSchema = z.enum(['none', 'indirect', 'direct', 'enterprise']);
export type PasskeyAttestation = z.infer<typeof passkeyAttestationSchema>;
/** `AuthenticatorSelectionCriteria.residentKey` (discoverable credential). */
export const passkeyResidentKeySchema = z.enum(['discouraged', 'preferred', 'required']);
export type PasskeyResidentKey = z.infer<typeof passkeyResidentKeySchema>;
/** `userVerification` of registration and authentication. */
export const passkeyUserVerificationSchema = z.enum(['discouraged', 'preferred', 'required']);
export type PasskeyUserVerification = z.infer<typeof passkeyUserVerificationSchema>;
/** `AuthenticatorSelectionCriteria.authenticatorAttachment`; absent: any authenticator. */
export const passkeyAuthenticatorAttachmentSchema = z.enum(['platform', 'cross-platform']);
export type PasskeyAuthenticatorAttachment = z.infer<typeof passkeyAuthenticatorAttachmentSchema>;
/** `PublicKeyCredentialHint` (WebAuthn L3). */
export const passkeyHintSchema = z.enum(['security-key', 'client-device', 'hybrid']);
export type PasskeyHint = z.infer<typeof passkeyHintSchema>;

/**
 * Zero or more hints, by decreasing preference (any order; they guide the user agent and are not
 * requirements). A hint may appear once.
 */
export const passkeyHintsSchema = z
  .array(passkeyHintSchema)
  .check(eachOnce('hint'))
  .describe('Zero or more hints to guide the user agent, by decreasing preference (not requirements); each at most once.');

/** Ceremony timeout in milliseconds (WebAuthn `timeout`): 10 s to 10 min. */
export const passkeyTimeoutSchema = z
  .number()
  .int()
  .min(10_000)
  .max(600_000)
  .describe('Ceremony timeout in milliseconds (10 s to 10 min).');

/** What a policy is when the request leaves a field out (README "API"). */
export const passkeyPolicyDefaults = {
  registration: {
    attestation: 'none',
    residentKey: 'preferred',
    userVerification: 'preferred',
    hints: [] as PasskeyHint[],
  },
  authentication: {
    userVerification: 'preferred',
    hints: [] as PasskeyHint[],
    timeout: 300_000,
  },
} as const;

const registrationDefaults = passkeyPolicyDefaults.registration;
const authenticationDefaults = passkeyPolicyDefaults.authentication;

/**
 * A registration policy: the `attestation` and `authenticatorSelection` of the creation options, and
 * their `hints`. `authenticatorAttachment` absent: any authenticator; `timeout` absent: the passkey
 * service's own ceremony lifetime.
 */
export const passkeyRegistrationPolicySchema = z
  .object({
    attestation: passkeyAttestationSchema.default(registrationDefaults.attestation),
    residentKey: passkeyResidentKeySchema.default(registrationDefaults.residentKey),
    userVerification: passkeyUserVerificationSchema.default(registrationDefaults.userVerification),
    authenticatorAttachment: passkeyAuthenticatorAttachmentSchema.optional(),
    hints: passkeyHintsSchema.default(() => [...registrationDefaults.hints]),
    timeout: passkeyTimeoutSchema.optional(),
  })
  .strict();
export type PasskeyRegistrationPolicy = z.output<typeof passkeyRegistrationPolicySchema>;

/** An authentication policy: the `userVerification`, `hints` and `timeout` of the request options. */
export const passkeyAuthenticationPolicySchema = z
  .object({
    userVerification: passkeyUserVerificationSchema.default(authenticationDefaults.userVerification),
    hints: passkeyHintsSchema.default(() => [...authenticationDefaults.hints]),
    timeout: passkeyTimeoutSchema.default(authenticationDefaults.timeout),
  })
  .strict();
export type PasskeyAuthenticationPolicy = z.output<typeof passkeyAuthenticationPolicySchema>;

// ---- relying party ----------------------------------------------------------------------------

const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A lowercase domain name (labels of letters, digits and inner hyphens; not an IP address). */
export const isDomainName = (value: string): boolean => {
  if (value.length === 0 || value.length > 253) return false;
  const labels = value.split('.');
  // An all-digit last label is an IPv4 address, never a top-level domain.
  return labels.every((label) => DOMAIN_LABEL.test(label)) && !/^\d+$/.test(labels.at(-1) ?? '');
};

/** The WebAuthn relying party id: a domain name such as `example.com` (no scheme, port or path). */
export const passkeyRpIdSchema = z
  .string()
  .refine(isDomainName, 'must be a lowercase domain name such as example.com (no scheme, port or path)')
  .describe('The relying party id: a lowercase domain name such as `example.com` (no scheme, port or path).');

/** The host of a web origin (`https://login.example.com:8443` → `login.example.com`), or undefined. */
export const originHost = (origin: string): string | undefined => {
  try {
    const url = new URL(origin);
    // Only the serialised form of an origin: no path, query, fragment, credentials, trailing slash,
    // default port or upper case (the browser reports origins exactly so in clientDataJSON).
    return url.origin === origin ? url.hostname : undefined;
  } catch {
    return undefined;
  }
};

/** `localhost` and its subdomains: browsers treat them as secure contexts over plain http. */
const isLocalhost = (host: string) => host === 'localhost' || host.endsWith('.localhost');

/**
 * A web origin WebAuthn responses may come from: `https://<host>[:port]`, or `http://localhost[:port]`
 * (and `http://*.localhost`) for development.
 */
export const passkeyOriginSchema = z.string().refine(
  (origin) => {
    const host = originHost(origin);
    if (host === undefined || !isDomainName(host)) return false;
    return origin.startsWith('https://') || (origin.startsWith('http://') && isLocalhost(host));
  },
  'must be an origin such as https://login.example.com (https, or http only for localhost; a domain name, ' +
    'an optional port, no path or trailing slash)',
).describe(
  'A web origin, exactly as browsers report it: `https://<host>[:port]`, or `http://localhost[:port]` for development.',
);

/** The WebAuthn rule: an origin's host is the rpId or a subdomain of it. */
export const originMatchesRpId = (origin: string, rpId: string): boolean => {
  const host = originHost(origin);
  return host !== undefined && (host === rpId || host.endsWith(`.${rpId}`));
};

/**
 * Issues of the origins against the rpId (each origin's host the rpId or a subdomain of it), and of
 * repeated origins; origins that are not origins at all are reported by their own schema.
 */
const originsIssues = (rpId: unknown, origins: unknown): { path: number; message: string }[] => {
  if (!Array.isArray(origins)) return [];
  const checkHost = typeof rpId === 'string' && isDomainName(rpId);
  return origins.flatMap((origin, index) => {
    if (typeof origin !== 'string' || !passkeyOriginSchema.safeParse(origin).success) return [];
    if (origins.indexOf(origin) !== index) return [{ path: index, message: `repeats the origin ${origin}` }];
    if (checkHost && !originMatchesRpId(origin, rpId))
      return [{ path: index, message: `host must be ${rpId} or a subdomain of it` }];
    return [];
  });
};

/** Record keys of policies: the policy name rule, with its own message (not zod's "Invalid key"). */
export const policyRecord = <V extends z.ZodType>(value: V, what: string) =>
  z
    .record(policyNameSchema, value, {
      error: (issue) =>
        issue.code === 'invalid_key' ? 'policy name must be 1–20 letters, digits or hyphens' : undefined,
    })
    .describe(`${what} policies keyed by policy name (at most 20 letters, digits or hyphens).`);

/** The fields of a configuration besides `rpId`, with defaults. */
const passkeyConfigFields = {
  rpName: z.string().min(1).max(100).describe('Human-palatable name of the relying party (WebAuthn `rp.name`).'),
  origins: z
    .array(passkeyOriginSchema)
    .min(1)
    .max(50)
    .describe('Origins WebAuthn responses may come from; each host is the rpId or a subdomain of it; each listed once.'),
  registrationPolicies: policyRecord(passkeyRegistrationPolicySchema, 'Registration').default(() => ({})),
  authenticationPolicies: policyRecord(passkeyAuthenticationPolicySchema, 'Authentication').default(() => ({})),
};

/**
 * A passkey relying-party configuration. Policies are keyed by name (1–20 letters, digits or
 * hyphens); a configuration may have none yet (a ceremony naming a missing policy is refused).
 */
export const passkeyConfigSchema = z
  .object({ rpId: passkeyRpIdSchema, ...passkeyConfigFields })
  .strict()
  .check(
    z.superRefine(
      (config: { rpId: unknown; origins: unknown }, ctx) => {
        for (const issue of originsIssues(config.rpId, config.origins))
          ctx.addIssue({ code: 'custom', path: ['origins', issue.path], message: issue.message });
      },
      // Also when other fields are bad, so one answer names every bad field.
      { when: ({ value }) => isPlainObject(value) },
    ),
  );
export type PasskeyConfig = z.output<typeof passkeyConfigSchema>;
export const createPasskeyConfigBodySchema = passkeyConfigSchema;

/**
 * Update (`POST …/passkeyConfig/{rpId}`): any subset of the fields but `rpId` (the key). `origins`
 * replaces the list; in `registrationPolicies`/`authenticationPolicies` each named policy is added or
 * replaced as a whole, and `null` removes it (the others are kept). The configuration it produces is
 * checked again with {@link passkeyConfigSchema} (the origins against the rpId).
 */
export const updatePasskeyConfigBodySchema = z
  .object({
    rpName: passkeyConfigFields.rpName,
    origins: passkeyConfigFields.origins,
    registrationPolicies: policyRecord(passkeyRegistrationPolicySchema.nullable(), 'Registration'),
    authenticationPolicies: policyRecord(passkeyAuthenticationPolicySchema.nullable(), 'Authentication'),
  })
  .partial()
  .strict();

/**
 * Configurations of one kind inside a store create/update body, keyed by rpId (like the policies,
 * keyed by name): `fields` are a configuration's fields but `rpId`, which may be left out and, if
 * given, must equal its key. `issues` are cross-field checks of one configuration against its rpId
 * (paths relative to the configuration).
 */
export const configsByRpId = <Fields extends z.ZodRawShape>(
  fields: Fields,
  issues: (rpId: string, config: Record<string, unknown>) => { path: PropertyKey[]; message: string }[] = () => [],
) =>
  z
    .record(passkeyRpIdSchema, z.object({ rpId: z.string().optional(), ...fields }).strict(), {
      error: (issue) => (issue.code === 'invalid_key' ? 'rpId must be a lowercase domain name such as example.com' : undefined),
    })
    .check(
      z.superRefine(
        (configs: Record<string, unknown>, ctx) => {
          for (const [rpId, config] of Object.entries(configs)) {
            if (!isPlainObject(config)) continue;
            if (config.rpId !== undefined && config.rpId !== rpId)
              ctx.addIssue({ code: 'custom', path: [rpId, 'rpId'], message: 'must equal its key' });
            for (const issue of issues(rpId, config))
              ctx.addIssue({ code: 'custom', path: [rpId, ...issue.path], message: issue.message });
          }
        },
        { when: ({ value }) => isPlainObject(value) },
      ),
    );

/** Passkey configurations inside a store create/update body, keyed by rpId (see configsByRpId). */
export const passkeyConfigsInputSchema = configsByRpId(passkeyConfigFields, (rpId, config) =>
  originsIssues(rpId, config.origins).map((issue) => ({ path: ['origins', issue.path], message: issue.message })),
);
