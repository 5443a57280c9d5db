import { z } from 'zod';
import { defineEvents, type EventsOf } from '../events/event';

/**
 * TOTP integration events (topic `identity-store.totp`): what the TOTP service publishes, declared
 * once. They never carry secrets; the stored events (libs/totp domain/totp.ts, private to the
 * TOTP service) extend these schemas with the ciphertext of the shared secret.
 *
 * All timestamps are ISO-8601 UTC strings (`Date.prototype.toISOString()`).
 */

export const totpAlgorithmSchema = z.enum(['SHA1', 'SHA256', 'SHA512']);
export type TotpAlgorithm = z.infer<typeof totpAlgorithmSchema>;

export const totpDigitsSchema = z.union([z.literal(6), z.literal(8)]);
export type TotpDigits = z.infer<typeof totpDigitsSchema>;

export const totpAuthenticationFailureReasonSchema = z.enum(['INVALID_CODE', 'CODE_REPLAYED']);
export type TotpAuthenticationFailureReason = z.infer<typeof totpAuthenticationFailureReasonSchema>;

/** Status an API client may set; PENDING and LOCKED are never set directly. */
export const totpSettableStatusSchema = z.enum(['ACTIVE', 'SUSPENDED']);
export type TotpSettableStatus = z.infer<typeof totpSettableStatusSchema>;

export const totpDeregistrationReasonSchema = z.enum(['DEREGISTERED', 'DELETED']);
export type TotpDeregistrationReason = z.infer<typeof totpDeregistrationReasonSchema>;

const id = z.string().min(1);
const dtm = z.iso.datetime();
/** Free-form client context of an authentication (device, IP, …), echoed into the audit. */
const context = z.record(z.string(), z.unknown()).optional();

export const totpRegistrationStartedIntegrationSchema = z.object({
  credentialId: id,
  policyName: z.string().min(1),
  algorithm: totpAlgorithmSchema,
  digits: totpDigitsSchema,
  /** Time-step length in seconds. */
  period: z.number().int().positive(),
  /** Accepted time steps either side of the current one. */
  window: z.number().int().nonnegative(),
  createdDtm: dtm,
});

export const totpRegistrationCompletedIntegrationSchema = z.object({
  credentialId: id,
  /**
   * RFC 6238 time step (counter) the confirmation code matched. Recorded so that the very code that
   * completed the registration cannot then be used to authenticate ("a code is accepted once").
   */
  timeStep: z.number().int().nonnegative(),
  at: dtm,
});

export const totpAuthenticationSucceededIntegrationSchema = z.object({
  credentialId: id,
  authenticationId: id,
  /** RFC 6238 time step (counter) the code matched. */
  timeStep: z.number().int().nonnegative(),
  at: dtm,
  context,
});

export const totpAuthenticationFailedIntegrationSchema = z.object({
  credentialId: id,
  authenticationId: id,
  reason: totpAuthenticationFailureReasonSchema,
  /** Consecutive failed attempts including this one. */
  failedAttempts: z.number().int().positive(),
  at: dtm,
  context,
});

export const totpLockedIntegrationSchema = z.object({
  credentialId: id,
  lockedUntil: dtm,
  at: dtm,
});

export const totpStatusChangedIntegrationSchema = z.object({
  credentialId: id,
  status: totpSettableStatusSchema,
  at: dtm,
});

export const totpDeregisteredIntegrationSchema = z.object({
  credentialId: id,
  at: dtm,
  reason: totpDeregistrationReasonSchema,
});

/** Integration event definitions by type (data schemas and versions of what is published). */
export const totpIntegrationEvents = defineEvents({
  TotpRegistrationStarted: totpRegistrationStartedIntegrationSchema,
  TotpRegistrationCompleted: totpRegistrationCompletedIntegrationSchema,
  TotpAuthenticationSucceeded: totpAuthenticationSucceededIntegrationSchema,
  TotpAuthenticationFailed: totpAuthenticationFailedIntegrationSchema,
  TotpLocked: totpLockedIntegrationSchema,
  TotpStatusChanged: totpStatusChangedIntegrationSchema,
  TotpDeregistered: totpDeregisteredIntegrationSchema,
});

export type TotpIntegrationEvent = EventsOf<typeof totpIntegrationEvents>;
