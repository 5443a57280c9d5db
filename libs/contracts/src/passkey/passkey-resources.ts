import { z } from 'zod';
import { passkeyHintSchema } from '../identity/passkey-config';
import { passkeyAttachmentSchema, passkeyDeviceTypeSchema, passkeyStatusSchema } from './passkey-integration-events';

/**
 * Passkey API resources and audit details (public); request and response bodies are in
 * passkey-requests.ts. The stored events, their state and the mapping to the integration events
 * (passkey-integration-events.ts) live in the passkey lib (libs/passkey/src/domain/passkey.ts),
 * importable from nowhere else.
 *
 * All timestamps are ISO-8601 UTC strings; binary values are base64url without padding.
 */

const id = z.string().min(1);
const dtm = z.iso.datetime();
const signCount = z.number().int().nonnegative();
// ---------------------------------------------------------------------------------------------
// API resource and audit details.
// ---------------------------------------------------------------------------------------------

/** A user's passkey as the API returns it. Never the public key (it stays in the service). */
export const passkeyResourceSchema = z.object({
  id: z.string(),
  rpId: z.string(),
  credentialId: z.string().describe('The WebAuthn credential id (base64url).'),
  name: z.string().nullable(),
  status: passkeyStatusSchema,
  policyName: z.string().describe('The registration policy it was registered with.'),
  aaguid: z.string(),
  attestationFormat: z.string(),
  transports: z.array(z.string()),
  backupEligible: z.boolean(),
  backedUp: z.boolean(),
  deviceType: passkeyDeviceTypeSchema,
  authenticatorAttachment: passkeyAttachmentSchema.nullable(),
  userVerified: z.boolean().describe('Whether the user was verified at registration.'),
  signCount: signCount.describe(
    'The last signature counter seen (0: the authenticator keeps none, e.g. synced passkeys).',
  ),
  createdDtm: dtm,
  lastUsedDtm: dtm.nullable(),
});
export type PasskeyResource = z.infer<typeof passkeyResourceSchema>;

/** `passkeyInfo` of an audit: the passkey at the time (absent when no passkey has the credential). */
export const passkeyInfoSchema = z.object({
  id: z.string(),
  rpId: z.string(),
  credentialId: z.string(),
  name: z.string().nullable(),
  status: passkeyStatusSchema,
});
export type PasskeyInfo = z.infer<typeof passkeyInfoSchema>;

/** `passkeyAuditInfo` of an authentication audit (what a UI shows for a passkey authentication). */
export const passkeyAuditInfoSchema = z.object({
  rpId: z.string(),
  policyName: z.string(),
  credentialId: z.string(),
  usernameless: z.boolean(),
  hints: z.array(passkeyHintSchema),
  userVerified: z.boolean().nullable(),
  backedUp: z.boolean().nullable(),
  signCount: signCount.nullable(),
  previousSignCount: signCount.nullable(),
  counterRegression: z
    .boolean()
    .describe('The signature verified but its counter did not grow: a possibly cloned authenticator.'),
});
export type PasskeyAuditInfo = z.infer<typeof passkeyAuditInfoSchema>;

/** `passkeyRegistrationAuditInfo` of a registration audit: what the attestation said. */
export const passkeyRegistrationAuditInfoSchema = z.object({
  rpId: z.string(),
  policyName: z.string(),
  credentialId: z.string(),
  attestationFormat: z.string(),
  aaguid: z.string(),
  transports: z.array(z.string()),
  hints: z.array(passkeyHintSchema),
  userVerified: z.boolean(),
  backupEligible: z.boolean(),
  backedUp: z.boolean(),
  deviceType: passkeyDeviceTypeSchema,
  authenticatorAttachment: passkeyAttachmentSchema.nullable(),
  origin: z.string(),
});
export type PasskeyRegistrationAuditInfo = z.infer<typeof passkeyRegistrationAuditInfoSchema>;
