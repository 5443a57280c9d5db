import { z } from 'zod';
import { passcodeKdfSchema, srpGroupSchema, srpHashSchema } from '../identity/store';
import { passcodeCeremonySchema } from './passcode-integration-events';

/**
 * Passcode API resources and audit details (public); request and response bodies are in
 * passcode-requests.ts (kept apart: identity's user.ts imports the audit details, and the bodies
 * import the user). The stored events (with their ciphertexts), the passcode state and the mapping
 * to the integration events (passcode-integration-events.ts) live in the passcode lib
 * (libs/passcode/src/domain/passcode.ts), importable from nowhere else.
 *
 * All timestamps are ISO-8601 UTC strings (`Date.prototype.toISOString()`).
 */

const dtm = z.iso.datetime();

// ---------------------------------------------------------------------------------------------
// API resource and audit details.
// ---------------------------------------------------------------------------------------------

/** Status as the API shows it: the stored one, or LOCKED while an ACTIVE passcode's lock runs. */
export const passcodeResourceStatusSchema = z.enum(['ACTIVE', 'SUSPENDED', 'REVOKED', 'LOCKED']);
export type PasscodeResourceStatus = z.infer<typeof passcodeResourceStatusSchema>;

/** A user's passcode as the API returns it. Never carries the verifier or the salt. */
export const passcodeResourceSchema = z.object({
  id: z.string(),
  policyName: z.string(),
  status: passcodeResourceStatusSchema,
  protocol: z.literal('SRP'),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  createdDtm: dtm,
  lastUsedDtm: dtm.nullable(),
  expirationDtm: dtm.nullable(),
  failedAttempts: z.number().int().nonnegative(),
  lockedUntil: dtm.nullable(),
  kdf: passcodeKdfSchema
    .nullable()
    .describe('The KDF the client stretches this passcode with before SRP (null: plain RFC 5054).'),
});
export type PasscodeResource = z.infer<typeof passcodeResourceSchema>;

/** `passcodeInfo` of an authentication audit: the passcode when the proof was checked. */
export const passcodeInfoSchema = z.object({
  id: z.string(),
  status: passcodeResourceStatusSchema,
  expirationDtm: dtm.nullable(),
});
export type PasscodeInfo = z.infer<typeof passcodeInfoSchema>;

/** `passcodeAuditInfo` of an authentication audit (what a UI shows for a passcode authentication). */
export const passcodeAuditInfoSchema = z.object({
  protocol: z.literal('SRP'),
  ceremony: passcodeCeremonySchema.describe(
    'What checked the proof: an authentication, or a renewal proving the current passcode.',
  ),
  policyName: z.string(),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  failedAttempts: z.number().int().nonnegative(),
  locked: z.boolean(),
});
export type PasscodeAuditInfo = z.infer<typeof passcodeAuditInfoSchema>;
