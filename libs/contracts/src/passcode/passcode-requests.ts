import { z } from 'zod';
import { contextSchema, dtmSchema, requestDtmSchema } from '../api/common';
import {
  passcodeClientRulesSchema,
  passcodeKdfSchema,
  srpGroupSchema,
  srpHashSchema,
} from '../identity/store';
import { userSchema } from '../identity/user';
import { passcodeStatusSchema } from './passcode-integration-events';

/**
 * Request and response bodies of the passcode (SRP-6a) operations. SRP values are lowercase hex;
 * whether a value fits the session's group (A, verifier: the byte length of N; M1: of the hash;
 * salt: 16–64 bytes) can only be checked against the session, so the bodies accept any string of
 * a bounded length and the service names every value that does not fit.
 */
const srpValue = (description: string, maxHexDigits: number) =>
  z.string().min(1).max(maxHexDigits).describe(`${description} Lowercase hex.`);

/** 4096-bit values are 1024 hex digits. */
const A = srpValue('The client’s public ephemeral value A, padded to the byte length of N.', 1024);
const M1 = srpValue('The client’s proof M1 (one hash output).', 128);
const salt = srpValue('The salt s the client chose, 16–64 bytes.', 128);
const verifier = srpValue('The verifier v = g^x mod N, padded to the byte length of N.', 1024);

const sessionId = z
  .string()
  .describe('Ceremony session id: single-use, expires at `expiresDtm`, valid in this store only.');
const identity = z.string().describe('The SRP identity I: the user’s internal id.');
/** The KDF the client stretches the passcode with before SRP (null: plain RFC 5054). */
const kdf = (description: string) => passcodeKdfSchema.nullable().describe(description);

export const passcodeRegistrationStartResponseSchema = z.object({
  sessionId,
  identity,
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  kdf: kdf(
    "The policy's KDF: the verifier is computed from P' = hex(KDF(passcode, salt)); the passcode keeps this KDF even if the policy changes later.",
  ),
  clientRules: passcodeClientRulesSchema,
  expiresDtm: dtmSchema,
});
export const completePasscodeRegistrationBodySchema = z.object({ salt, verifier }).strict();

export const passcodeAuthenticationStartResponseSchema = z.object({
  sessionId,
  identity,
  salt: z.string().describe('The passcode’s salt s (lowercase hex).'),
  B: z
    .string()
    .describe('The server’s public ephemeral value B, padded to the byte length of N (lowercase hex).'),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  kdf: kdf(
    "The passcode's KDF (the one it was registered or last renewed with): P' = hex(KDF(passcode, salt)).",
  ),
  expiresDtm: dtmSchema,
});
export const completePasscodeAuthenticationBodySchema = z
  .object({ A, M1, context: contextSchema.optional() })
  .strict();
export const passcodeAuthenticationResponseSchema = z.object({
  result: z.enum(['SUCCESS', 'FAILURE']),
  M2: z
    .string()
    .optional()
    .describe('The server’s proof M2 (on SUCCESS; lowercase hex): the client checks it.'),
  authenticationId: z.string(),
  reason: z.string().optional(),
  user: userSchema,
});

/** Renewal start: the challenge to prove the current passcode, and the rules for the new one. */
export const passcodeRenewalStartResponseSchema = passcodeAuthenticationStartResponseSchema.extend({
  clientRules: passcodeClientRulesSchema,
  newKdf: kdf(
    "The KDF for the new verifier: the policy's current one (it may differ from `kdf`, which proves the current passcode).",
  ),
});
export const completePasscodeRenewalBodySchema = z.object({ A, M1, salt, verifier }).strict();
export const passcodeRenewalResponseSchema = passcodeAuthenticationResponseSchema;

export const updatePasscodeBodySchema = z
  .object({
    status: passcodeStatusSchema.describe('REVOKED is final.'),
    expirationDtm: requestDtmSchema
      .nullable()
      .describe('UTC, 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z; null: the passcode never expires.'),
  })
  .partial()
  .strict()
  .refine((body) => body.status !== undefined || body.expirationDtm !== undefined, {
    message: 'must set status or expirationDtm',
  });
