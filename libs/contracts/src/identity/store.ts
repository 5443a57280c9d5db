import { z } from 'zod';
import { dtmSchema, isoDurationSchema, policyNameSchema, storedIsoDurationSchema, storeNameSchema } from '../api/common';
import { totpAlgorithmSchema, totpDigitsSchema } from '../totp/totp-integration-events';
import { appkeyConfigSchema, appkeyConfigsInputSchema } from './appkey-config';
import { biometricPolicyBodySchema, biometricPolicySchema } from './biometric-policy';
import { passkeyConfigSchema, passkeyConfigsInputSchema } from './passkey-config';
import { pushNotificationPoliciesInputSchema, pushNotificationPolicySchema } from './push-notification-policy';

export * from './appkey-config';
export * from './passkey-config';
export * from './push-notification-policy';

/** Failed attempts before a credential locks; shared by every credential policy. */
export const maxFailedAttemptsSchema = z.number().int().min(1).max(100);

/*
 * Durations: request bodies use isoDurationSchema (at most P10Y, review M1); a policy as stored,
 * published and answered (totpPolicySchema, passcodePolicySchema) uses storedIsoDurationSchema, so
 * a policy stored before the bound still loads and its credentials keep working (the deciders clamp
 * the dates they compute to 9999-12-31). Changing such a policy requires a bounded duration.
 */

/** The adjustable part of a TOTP policy (everything but its name), with defaults. */
export const totpPolicyBodySchema = z
  .object({
    issuer: z.string().min(1).max(100),
    algorithm: totpAlgorithmSchema.default('SHA1'),
    digits: totpDigitsSchema.default(6),
    period: z.number().int().min(15).max(120).default(30),
    window: z.number().int().min(0).max(3).default(1),
    maxFailedAttempts: maxFailedAttemptsSchema.default(5),
    lockoutDuration: isoDurationSchema.default('PT15M'),
  })
  .strict();

/** A new TOTP policy (request body); also what an updated policy must be as a whole. */
export const createTotpPolicyBodySchema = totpPolicyBodySchema.extend({ name: policyNameSchema });
/** A TOTP policy as stored, published and answered. */
export const totpPolicySchema = createTotpPolicyBodySchema.extend({
  lockoutDuration: storedIsoDurationSchema.default('PT15M'),
});
export type TotpPolicy = z.output<typeof totpPolicySchema>;
/** Update: any subset of the adjustable fields. */
export const updateTotpPolicyBodySchema = z
  .object({
    issuer: z.string().min(1).max(100),
    algorithm: totpAlgorithmSchema,
    digits: totpDigitsSchema,
    period: z.number().int().min(15).max(120),
    window: z.number().int().min(0).max(3),
    maxFailedAttempts: maxFailedAttemptsSchema,
    lockoutDuration: isoDurationSchema,
  })
  .partial()
  .strict();

// ---- passcode (SRP-6a) policies ----------------------------------------------------------------

/** RFC 5054 group sizes (bits of N) a passcode policy may choose. */
export const srpGroupSchema = z.union([z.literal(2048), z.literal(3072), z.literal(4096)], {
  error: 'must be 2048, 3072 or 4096',
});
export type SrpGroup = z.infer<typeof srpGroupSchema>;
export const srpHashSchema = z.enum(['SHA-256', 'SHA-512']);
export type SrpHash = z.infer<typeof srpHashSchema>;
const passcodeLengthSchema = z.number().int().min(1).max(1024);

// ---- passcode KDF: key stretching the client applies before SRP ---------------------------------
//
// The client derives P' = lowercase hex of KDF(passcode as UTF-8, salt bytes) (a 32-byte output)
// and uses P' as the SRP password: x = H(s | H(I | ":" | P')). The server never runs the KDF; it
// only names it, so a stolen verifier costs an attacker one KDF run per guess.

/**
 * argon2id (RFC 9106, version 0x13, 32-byte tag, no secret or associated data). Bounds: OWASP's
 * recommended minimum (its least-memory configuration m = 7 MiB, t = 5: memoryKiB × iterations ≥
 * 35 840) at the bottom; 1 GiB of memory, 10 passes and 2 GiB·passes at the top, so a policy
 * cannot make clients hang.
 */
export const ARGON2ID_BOUNDS = {
  memoryKiB: { min: 7_168, max: 1_048_576 },
  iterations: { min: 1, max: 10 },
  parallelism: { min: 1, max: 16 },
  /** memoryKiB × iterations. */
  cost: { min: 35_840, max: 2_097_152 },
} as const;
/** OWASP's recommended argon2id configuration (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane. */
export const ARGON2ID_DEFAULT = { algorithm: 'argon2id', memoryKiB: 19_456, iterations: 2, parallelism: 1 } as const;
/** PBKDF2-HMAC-SHA-256: OWASP's 600 000 iterations as default and minimum; at most 10 000 000. */
export const PBKDF2_SHA256_BOUNDS = { iterations: { min: 600_000, max: 10_000_000 } } as const;
export const PBKDF2_SHA256_DEFAULT = { algorithm: 'PBKDF2-SHA256', iterations: 600_000 } as const;

const intBetween = ({ min, max }: { min: number; max: number }) => z.number().int().min(min).max(max);

const argon2idKdfSchema = z
  .object({
    algorithm: z.literal('argon2id'),
    memoryKiB: intBetween(ARGON2ID_BOUNDS.memoryKiB)
      .default(ARGON2ID_DEFAULT.memoryKiB)
      .describe('Memory in KiB (m).'),
    iterations: intBetween(ARGON2ID_BOUNDS.iterations)
      .default(ARGON2ID_DEFAULT.iterations)
      .describe('Passes over the memory (t).'),
    parallelism: intBetween(ARGON2ID_BOUNDS.parallelism)
      .default(ARGON2ID_DEFAULT.parallelism)
      .describe('Lanes (p).'),
  })
  .strict()
  .refine(
    (kdf) => kdf.memoryKiB * kdf.iterations >= ARGON2ID_BOUNDS.cost.min,
    {
      path: ['memoryKiB'],
      message: `memoryKiB × iterations must be at least ${ARGON2ID_BOUNDS.cost.min} (OWASP's minimum: 19456 × 2, 7168 × 5, …)`,
      when: ({ value }) => argon2idNumbers(value),
    },
  )
  .refine((kdf) => kdf.memoryKiB * kdf.iterations <= ARGON2ID_BOUNDS.cost.max, {
    path: ['memoryKiB'],
    message: `memoryKiB × iterations must be at most ${ARGON2ID_BOUNDS.cost.max} (a client must not hang)`,
    when: ({ value }) => argon2idNumbers(value),
  });

/** The cost checks compare numbers: they run once both are numbers, whatever else is wrong. */
function argon2idNumbers(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { memoryKiB, iterations } = value as Record<string, unknown>;
  return typeof memoryKiB === 'number' && typeof iterations === 'number';
}

const pbkdf2KdfSchema = z
  .object({
    algorithm: z.literal('PBKDF2-SHA256'),
    iterations: intBetween(PBKDF2_SHA256_BOUNDS.iterations).default(PBKDF2_SHA256_DEFAULT.iterations),
  })
  .strict();

/**
 * The KDF a passcode policy names: the client applies it to the passcode with the salt before SRP
 * (see the section comment above). null: plain RFC 5054 (x from the passcode itself) for clients
 * that cannot stretch — a leaked database is then a cheap dictionary attack on every passcode.
 */
export const passcodeKdfSchema = z
  .discriminatedUnion('algorithm', [argon2idKdfSchema, pbkdf2KdfSchema])
  .describe(
    "Client-side key stretching before SRP: P' = lowercase hex of KDF(passcode UTF-8, salt bytes), 32 bytes; x = H(s | H(I | \":\" | P')).",
  );
export type PasscodeKdf = z.output<typeof passcodeKdfSchema>;

/** What a passcode policy is when the request leaves a field out (README "API"). */
export const passcodePolicyDefaults = {
  protocol: 'SRP',
  srpGroup: 2048,
  hash: 'SHA-256',
  clientRules: { minLength: 8, maxLength: 64, requireDigit: false, requireLetter: false, requireSymbol: false },
  validity: null,
  renewalWindow: null,
  maxFailedAttempts: 5,
  lockoutDuration: 'PT15M',
  kdf: ARGON2ID_DEFAULT,
} as const;

/**
 * A policy stored before policies named a KDF has none: its passcodes are plain RFC 5054, and it
 * stays so (a KDF default must not change what existing clients were told). Reads of stored
 * policies go through this.
 */
export const withLegacyKdf = <P extends object>(policy: P): P & { kdf: PasscodeKdf | null } => ({
  kdf: null,
  ...policy,
});

const clientRulesDefaults = passcodePolicyDefaults.clientRules;
/**
 * `when` of a cross-field check: run it, even when other fields are bad (so one answer names every
 * bad field), once the fields it compares have the given type. The value may be anything (null, a
 * string) when the input was not an object at all.
 */
const whenFieldsAre =
  (type: 'number' | 'string', ...fields: string[]) =>
  ({ value }: { value: unknown }): boolean =>
    typeof value === 'object' &&
    value !== null &&
    fields.every((field) => typeof (value as Record<string, unknown>)[field] === type);

/** Rules the client enforces on the password it chooses (the server never sees the password). */
export const passcodeClientRulesSchema = z
  .object({
    minLength: passcodeLengthSchema.default(clientRulesDefaults.minLength),
    maxLength: passcodeLengthSchema.default(clientRulesDefaults.maxLength),
    requireDigit: z.boolean().default(clientRulesDefaults.requireDigit),
    requireLetter: z.boolean().default(clientRulesDefaults.requireLetter),
    requireSymbol: z.boolean().default(clientRulesDefaults.requireSymbol),
  })
  .strict()
  .refine((rules) => rules.minLength <= rules.maxLength, {
    path: ['minLength'],
    message: 'must not exceed maxLength',
    when: whenFieldsAre('number', 'minLength', 'maxLength'),
  });
export type PasscodeClientRules = z.output<typeof passcodeClientRulesSchema>;

/** The adjustable fields of a passcode policy, with defaults; `name` and the cross-field check are added below. */
const passcodePolicyFields = {
  protocol: z.literal('SRP').default(passcodePolicyDefaults.protocol),
  srpGroup: srpGroupSchema.default(passcodePolicyDefaults.srpGroup),
  hash: srpHashSchema.default(passcodePolicyDefaults.hash),
  // prefault: an omitted clientRules is parsed as {} so each rule gets its own default.
  clientRules: passcodeClientRulesSchema.prefault({}),
  validity: isoDurationSchema.nullable().default(passcodePolicyDefaults.validity),
  renewalWindow: isoDurationSchema.nullable().default(passcodePolicyDefaults.renewalWindow),
  maxFailedAttempts: maxFailedAttemptsSchema.default(passcodePolicyDefaults.maxFailedAttempts),
  lockoutDuration: isoDurationSchema.default(passcodePolicyDefaults.lockoutDuration),
  kdf: passcodeKdfSchema.nullable().prefault(passcodePolicyDefaults.kdf),
};

/** The same fields as stored: durations from before the bound stay readable. */
const storedPasscodePolicyFields = {
  ...passcodePolicyFields,
  validity: storedIsoDurationSchema.nullable().default(passcodePolicyDefaults.validity),
  renewalWindow: storedIsoDurationSchema.nullable().default(passcodePolicyDefaults.renewalWindow),
  lockoutDuration: storedIsoDurationSchema.default(passcodePolicyDefaults.lockoutDuration),
};

/** A renewal window is a span before expiry, so a passcode that never expires cannot have one. */
const renewalWindowHasValidity = (policy: { validity: string | null; renewalWindow: string | null }) =>
  policy.renewalWindow === null || policy.validity !== null;
const renewalWindowWithoutValidity = {
  path: ['renewalWindow'],
  message: 'requires validity (a passcode that never expires has no renewal window)',
  when: whenFieldsAre('string', 'renewalWindow'),
};

/** A passcode policy as stored, published and answered. */
export const passcodePolicySchema = z
  .object({ name: policyNameSchema, ...storedPasscodePolicyFields })
  .strict()
  .refine(renewalWindowHasValidity, renewalWindowWithoutValidity);
export type PasscodePolicy = z.output<typeof passcodePolicySchema>;
/** A new passcode policy (request body); also what an updated policy must be as a whole. */
export const createPasscodePolicyBodySchema = z
  .object({ name: policyNameSchema, ...passcodePolicyFields })
  .strict()
  .refine(renewalWindowHasValidity, renewalWindowWithoutValidity);
/**
 * Update: any subset of the adjustable fields (clientRules too: a subset of its rules). The merged
 * policy is checked again with {@link createPasscodePolicyBodySchema}, since minLength/maxLength and
 * validity/renewalWindow may come one from the request and one from the stored policy.
 */
export const updatePasscodePolicyBodySchema = z
  .object({
    protocol: z.literal('SRP'),
    srpGroup: srpGroupSchema,
    hash: srpHashSchema,
    clientRules: z
      .object({
        minLength: passcodeLengthSchema,
        maxLength: passcodeLengthSchema,
        requireDigit: z.boolean(),
        requireLetter: z.boolean(),
        requireSymbol: z.boolean(),
      })
      .partial()
      .strict(),
    validity: isoDurationSchema.nullable(),
    renewalWindow: isoDurationSchema.nullable(),
    maxFailedAttempts: maxFailedAttemptsSchema,
    lockoutDuration: isoDurationSchema,
    /** Replaced as a whole (not merged with the stored one); existing passcodes keep their own. */
    kdf: passcodeKdfSchema.nullable(),
  })
  .partial()
  .strict();

/** A JSON Schema (draft 2020-12) for user attributes; compiled by the identity service. */
export const attributeSchemaSchema = z.record(z.string(), z.unknown()).nullable();

const totpPoliciesInput = z
  .record(policyNameSchema, totpPolicyBodySchema.extend({ name: policyNameSchema.optional() }))
  .optional();

/** Passcode policies inside a store body, keyed by name (like totpPolicies). */
const passcodePoliciesInput = z
  .record(
    policyNameSchema,
    z
      .object({ name: policyNameSchema.optional(), ...passcodePolicyFields })
      .strict()
      .refine(renewalWindowHasValidity, renewalWindowWithoutValidity),
  )
  .optional();

/** The policies and configurations a store create or update body may carry (each added or replaced). */
const storeBodyPolicies = {
  attributeSchema: attributeSchemaSchema.optional(),
  totpPolicies: totpPoliciesInput,
  passcodePolicies: passcodePoliciesInput,
  passkeyConfigs: passkeyConfigsInputSchema.optional(),
  appkeyConfigs: appkeyConfigsInputSchema.optional(),
  pushNotificationPolicies: pushNotificationPoliciesInputSchema.optional(),
  /** The store's one biometric policy, whole (fields left out take the defaults); null removes it. */
  biometricPolicy: biometricPolicyBodySchema.nullable().optional(),
};

export const createStoreBodySchema = z
  .object({ name: storeNameSchema, description: z.string().max(1000).optional(), ...storeBodyPolicies })
  .strict();

export const updateStoreBodySchema = z
  .object({ description: z.string().max(1000).nullable().optional(), ...storeBodyPolicies })
  .strict();

export const storeSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  attributeSchema: attributeSchemaSchema,
  /** Passkey relying-party configurations keyed by rpId. */
  passkeyConfigs: z.record(z.string(), passkeyConfigSchema),
  /** Appkey (FIDO UAF) configurations keyed by rpId. */
  appkeyConfigs: z.record(z.string(), appkeyConfigSchema),
  totpPolicies: z.record(z.string(), totpPolicySchema),
  passcodePolicies: z.record(z.string(), passcodePolicySchema),
  /** Push notification policies keyed by rpId; their private keys are write-only (never shown). */
  pushNotificationPolicies: z.record(z.string(), pushNotificationPolicySchema),
  /** How face authentications are judged; null: the defaults (`biometricPolicyDefaults`) apply. */
  biometricPolicy: biometricPolicySchema.nullable(),
  createdDtm: dtmSchema,
  lastUpdatedDtm: dtmSchema,
});
export type Store = z.output<typeof storeSchema>;
