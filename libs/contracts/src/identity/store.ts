import { z } from 'zod';
import { dtmSchema, isoDurationSchema, policyNameSchema, storeNameSchema } from '../api/common';
import { totpAlgorithmSchema, totpDigitsSchema } from '../totp/totp-events';

/** The adjustable part of a TOTP policy (everything but its name), with defaults. */
export const totpPolicyBodySchema = z
  .object({
    issuer: z.string().min(1).max(100),
    algorithm: totpAlgorithmSchema.default('SHA1'),
    digits: totpDigitsSchema.default(6),
    period: z.number().int().min(15).max(120).default(30),
    window: z.number().int().min(0).max(3).default(1),
    maxFailedAttempts: z.number().int().min(1).max(100).default(5),
    lockoutDuration: isoDurationSchema.default('PT15M'),
  })
  .strict();

export const totpPolicySchema = totpPolicyBodySchema.extend({ name: policyNameSchema });
export type TotpPolicy = z.output<typeof totpPolicySchema>;
export const createTotpPolicyBodySchema = totpPolicySchema;
/** Update: any subset of the adjustable fields. */
export const updateTotpPolicyBodySchema = z
  .object({
    issuer: z.string().min(1).max(100),
    algorithm: totpAlgorithmSchema,
    digits: totpDigitsSchema,
    period: z.number().int().min(15).max(120),
    window: z.number().int().min(0).max(3),
    maxFailedAttempts: z.number().int().min(1).max(100),
    lockoutDuration: isoDurationSchema,
  })
  .partial()
  .strict();

/** A JSON Schema (draft 2020-12) for user attributes; compiled by the identity service. */
export const attributeSchemaSchema = z.record(z.string(), z.unknown()).nullable();

const totpPoliciesInput = z
  .record(policyNameSchema, totpPolicyBodySchema.extend({ name: policyNameSchema.optional() }))
  .optional();

export const createStoreBodySchema = z
  .object({
    name: storeNameSchema,
    description: z.string().max(1000).optional(),
    attributeSchema: attributeSchemaSchema.optional(),
    totpPolicies: totpPoliciesInput,
  })
  .strict();

export const updateStoreBodySchema = z
  .object({
    description: z.string().max(1000).nullable().optional(),
    attributeSchema: attributeSchemaSchema.optional(),
    totpPolicies: totpPoliciesInput,
  })
  .strict();

export const storeSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  attributeSchema: attributeSchemaSchema,
  passkeyConfigs: z.record(z.string(), z.unknown()),
  appkeyConfigs: z.record(z.string(), z.unknown()),
  totpPolicies: z.record(z.string(), totpPolicySchema),
  passcodePolicies: z.record(z.string(), z.unknown()),
  pushNotificationPolicies: z.record(z.string(), z.unknown()),
  createdDtm: dtmSchema,
  lastUpdatedDtm: dtmSchema,
});
export type Store = z.output<typeof storeSchema>;
