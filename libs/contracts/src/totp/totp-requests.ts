import { z } from 'zod';
import { contextSchema } from '../api/common';
import { userSchema } from '../identity/user';
import { totpCredentialSchema } from './totp-resources';
import { totpSettableStatusSchema } from './totp-integration-events';

/** Request and response bodies of the TOTP operations (the resource is in totp-resources.ts). */

const codeSchema = z.string().regex(/^\d{6}$|^\d{8}$/, 'must be 6 or 8 digits');

export const totpRegistrationResponseSchema = z.object({
  id: z.string(),
  /** Base32 secret for manual entry; shown once, at registration start. */
  secret: z.string(),
  otpauthUri: z.string(),
  user: userSchema,
});
export const completeTotpRegistrationBodySchema = z.object({ code: codeSchema }).strict();
export const authenticateTotpBodySchema = z.object({ code: codeSchema, context: contextSchema.optional() }).strict();
export const totpAuthenticationResponseSchema = z.object({
  result: z.enum(['SUCCESS', 'FAILURE']),
  authenticationId: z.string(),
  reason: z.string().optional(),
  user: userSchema,
});
export const updateTotpBodySchema = z.object({ status: totpSettableStatusSchema }).strict();
export const totpResourceSchema = totpCredentialSchema;
