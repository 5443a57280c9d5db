import { z } from 'zod';
import { alwaysCheck, contextSchema, dtmSchema, policyNameSchema } from '../api/common';
import { extIdField, oneUserRef, userIdField } from '../api/store-level-user';
import {
  passkeyAttestationSchema,
  passkeyAuthenticatorAttachmentSchema,
  passkeyHintSchema,
  passkeyHintsSchema,
  passkeyResidentKeySchema,
  passkeyRpIdSchema,
  passkeyUserVerificationSchema,
} from '../identity/passkey-config';
import { userSchema } from '../identity/user';
import {
  base64urlSchema,
  credentialIdSchema,
  passkeyNameSchema,
  passkeyStatusSchema,
} from './passkey-integration-events';

/**
 * Request and response bodies of the passkey (WebAuthn L3) operations. Ceremony responses are the
 * WebAuthn L3 JSON encodings browsers produce (`PublicKeyCredential.toJSON()`): binary values are
 * base64url without padding. The bodies check the shape; whether a response verifies (challenge,
 * origin, rpId, flags, signature, attestation) is the ceremony's outcome, not a validation error.
 */

// ---- WebAuthn JSON: what the browser posts back ----------------------------------------------

/** ~48 KiB of base64url: attestation statements with certificate chains fit, nothing much bigger. */
const blob = base64urlSchema.min(1).max(65_536);

const credentialCommon = {
  id: credentialIdSchema.describe('The credential id (base64url).'),
  rawId: credentialIdSchema.describe('The credential id again (base64url; must equal `id`).'),
  type: z.literal('public-key'),
  authenticatorAttachment: passkeyAuthenticatorAttachmentSchema.optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default(() => ({})),
};

const rawIdMatches = alwaysCheck((credential, ctx) => {
  if (
    typeof credential.id === 'string' &&
    typeof credential.rawId === 'string' &&
    credential.id !== credential.rawId
  )
    ctx.addIssue({ code: 'custom', path: ['rawId'], message: 'must equal id' });
});

/** `RegistrationResponseJSON` (WebAuthn L3 §5.1): the answer of `navigator.credentials.create()`. */
export const registrationResponseSchema = z
  .object({
    ...credentialCommon,
    response: z.object({
      clientDataJSON: blob,
      attestationObject: blob,
      authenticatorData: blob.optional(),
      transports: z.array(z.string().min(1).max(32)).max(10).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: blob.optional(),
    }),
  })
  .check(rawIdMatches);

/** `AuthenticationResponseJSON` (WebAuthn L3 §5.1): the answer of `navigator.credentials.get()`. */
export const authenticationResponseSchema = z
  .object({
    ...credentialCommon,
    response: z.object({
      clientDataJSON: blob,
      authenticatorData: blob,
      signature: blob,
      userHandle: base64urlSchema.max(128).optional(),
    }),
  })
  .check(rawIdMatches);

const ceremonyExtras = {
  context: contextSchema.optional().describe('Client context (device, IP, …) recorded in the audit.'),
};

/** Completing a registration session: the RegistrationResponseJSON, a name for the passkey and context. */
export const completePasskeyRegistrationBodySchema = z
  .object({
    ...credentialCommon,
    response: registrationResponseSchema.shape.response,
    name: passkeyNameSchema.optional().describe('A name for the passkey (shown in lists).'),
    ...ceremonyExtras,
  })
  .strict()
  .check(rawIdMatches);

/** Completing an authentication session: the AuthenticationResponseJSON and context. */
export const completePasskeyAuthenticationBodySchema = z
  .object({ ...credentialCommon, response: authenticationResponseSchema.shape.response, ...ceremonyExtras })
  .strict()
  .check(rawIdMatches);

// ---- starts ---------------------------------------------------------------------------------

/** Store-level registration start: the user in the body. */
export const startStorePasskeyRegistrationBodySchema = z
  .object({ userId: userIdField.optional(), extId: extIdField.optional() })
  .strict()
  .check(oneUserRef);

/** Usernameless authentication start: nothing to name (the credential will name the user). */
export const startUsernamelessPasskeyAuthenticationBodySchema = z.object({}).strict();

/**
 * One call: the user, relying party and policy of the ceremony, the browser’s response, and the
 * hints the client gave the browser (the changelog's request `hints`). A completion cannot change
 * the options the start sent: the hints are checked like a policy's and recorded in the audit.
 */
const oneCallFields = {
  userId: userIdField.optional(),
  extId: extIdField.optional(),
  rpId: passkeyRpIdSchema,
  policyName: policyNameSchema,
  hints: passkeyHintsSchema
    .optional()
    .describe(
      'The hints the client gave the user agent for this ceremony, by decreasing preference (each at most once): ' +
        'recorded as the audit’s `hints`. Left out: the hints the start’s options carried.',
    ),
  ...ceremonyExtras,
};

export const registerPasskeyBodySchema = z
  .object({
    ...oneCallFields,
    name: passkeyNameSchema.optional(),
    credential: registrationResponseSchema.describe(
      'The RegistrationResponseJSON for the options of a registration this user started for `rpId` and `policyName`.',
    ),
  })
  .strict()
  .check(oneUserRef);

export const authenticatePasskeyBodySchema = z
  .object({
    ...oneCallFields,
    credential: authenticationResponseSchema.describe(
      'The AuthenticationResponseJSON for the options of an authentication this user started for `rpId` and `policyName`.',
    ),
  })
  .strict()
  .check(oneUserRef);

// ---- WebAuthn JSON: the options the server sends (documentation of what the starts answer) ----

const descriptorSchema = z.object({
  id: base64urlSchema,
  type: z.literal('public-key'),
  transports: z.array(z.string()).optional(),
});

/** `PublicKeyCredentialCreationOptionsJSON` (WebAuthn L3 §5.1), with the registration policy’s hints. */
export const publicKeyCredentialCreationOptionsSchema = z.object({
  rp: z.object({ id: z.string(), name: z.string() }),
  user: z.object({
    id: base64urlSchema.describe('The user handle: the user’s internal id (UTF-8), base64url.'),
    name: z.string(),
    displayName: z.string(),
  }),
  challenge: base64urlSchema,
  pubKeyCredParams: z.array(z.object({ type: z.literal('public-key'), alg: z.number().int() })),
  timeout: z.number().int(),
  excludeCredentials: z.array(descriptorSchema).describe('The user’s passkeys of this relying party.'),
  authenticatorSelection: z.object({
    residentKey: passkeyResidentKeySchema,
    requireResidentKey: z.boolean(),
    userVerification: passkeyUserVerificationSchema,
    authenticatorAttachment: passkeyAuthenticatorAttachmentSchema.optional(),
  }),
  attestation: passkeyAttestationSchema,
  hints: z.array(passkeyHintSchema).describe('The policy’s hints, by decreasing preference.'),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

/** `PublicKeyCredentialRequestOptionsJSON` (WebAuthn L3 §5.1), with the authentication policy’s hints. */
export const publicKeyCredentialRequestOptionsSchema = z.object({
  rpId: z.string(),
  challenge: base64urlSchema,
  timeout: z.number().int(),
  userVerification: passkeyUserVerificationSchema,
  allowCredentials: z
    .array(descriptorSchema)
    .optional()
    .describe('The user’s ACTIVE passkeys of this relying party; absent for a usernameless start.'),
  hints: z.array(passkeyHintSchema).describe('The policy’s hints, by decreasing preference.'),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

const sessionId = z
  .string()
  .describe('Ceremony session id: single-use, expires at `expiresDtm`, valid in this store only.');

/** The changelog's top-level `hints` of a start: the ceremony's policy's, as `publicKey.hints` has them. */
const startHints = z
  .array(passkeyHintSchema)
  .describe('The hints of the policy the ceremony was started with, by decreasing preference (also in `publicKey.hints`).');

export const passkeyRegistrationStartResponseSchema = z.object({
  sessionId,
  publicKey: publicKeyCredentialCreationOptionsSchema,
  hints: startHints,
  expiresDtm: dtmSchema,
});

export const passkeyAuthenticationStartResponseSchema = z.object({
  sessionId,
  publicKey: publicKeyCredentialRequestOptionsSchema,
  hints: startHints,
  expiresDtm: dtmSchema,
});

export const passkeyAuthenticationResponseSchema = z.object({
  result: z.enum(['SUCCESS', 'FAILURE']),
  authenticationId: z.string(),
  reason: z.string().optional().describe('Why the authentication failed (FAILURE only).'),
  user: userSchema
    .optional()
    .describe(
      'The user, when known: always but for a usernameless authentication whose credential is unknown.',
    ),
});

export const updatePasskeyBodySchema = z
  .object({
    status: passkeyStatusSchema.describe('REVOKED is final.'),
    name: passkeyNameSchema.nullable().describe('null removes the name.'),
  })
  .partial()
  .strict()
  .refine((body) => body.status !== undefined || body.name !== undefined, {
    message: 'must set status or name',
  });
