import { z } from 'zod';
import { defineEvents, type EventsOf } from '../events/event';
import { passcodeKdfSchema, srpGroupSchema, srpHashSchema } from '../identity/store';

/**
 * Passcode integration events (topic `identity-store.passcode`): what the passcode service
 * publishes, declared once. No secrets and no session ids (a session id is a capability to complete
 * a ceremony); the stored events (libs/passcode domain/passcode.ts, private to the passcode
 * service) extend these schemas with them.
 *
 * All timestamps are ISO-8601 UTC strings (`Date.prototype.toISOString()`).
 */

/** Stored status; LOCKED is derived from `lockedUntil` (see the decider). REVOKED is final. */
export const passcodeStatusSchema = z.enum(['ACTIVE', 'SUSPENDED', 'REVOKED']);
export type PasscodeStatus = z.infer<typeof passcodeStatusSchema>;

/** Which ceremony checked a proof of the passcode: an authentication, or a renewal proving the old one. */
export const passcodeCeremonySchema = z.enum(['AUTHENTICATION', 'RENEWAL']);
export type PasscodeCeremony = z.infer<typeof passcodeCeremonySchema>;

export const passcodeAuthenticationFailureReasonSchema = z.enum(['INVALID_PROOF']);
export type PasscodeAuthenticationFailureReason = z.infer<typeof passcodeAuthenticationFailureReasonSchema>;

/** DEREGISTERED: by policy; DELETED: by id; REPLACED: a new registration superseded a revoked or expired one. */
export const passcodeDeregistrationReasonSchema = z.enum(['DEREGISTERED', 'DELETED', 'REPLACED']);
export type PasscodeDeregistrationReason = z.infer<typeof passcodeDeregistrationReasonSchema>;

/**
 * Why open ceremony sessions were closed without a ceremony: EXPIRED (the session sweeper, after
 * their expiry) or EVICTED (the user opened more sessions than the cap allows: the oldest went).
 */
export const sessionClosureReasonSchema = z.enum(['EXPIRED', 'EVICTED']);
export type SessionClosureReason = z.infer<typeof sessionClosureReasonSchema>;

const id = z.string().min(1);
const dtm = z.iso.datetime();
/** Free-form client context of an authentication (device, IP, …), echoed into the audit. */
const context = z.record(z.string(), z.unknown()).optional();
/**
 * The KDF the client stretches the passcode with before SRP (store.ts, passcodeKdfSchema); null is
 * plain RFC 5054. Events written before KDFs existed have none (read as null: what they were).
 */
const kdf = passcodeKdfSchema.nullable().optional();

export const passcodeRegistrationStartedIntegrationSchema = z.object({
  policyName: z.string().min(1),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  /** The policy's KDF when the registration started: the one the client computes the verifier with. */
  kdf,
  expiresDtm: dtm,
  at: dtm,
});

export const passcodeRegistrationCompletedIntegrationSchema = z.object({
  passcodeId: id,
  policyName: z.string().min(1),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  createdDtm: dtm,
  /** From the policy's `validity`; null: never expires. */
  expirationDtm: dtm.nullable(),
  /** The passcode's KDF (kept when the policy changes later). */
  kdf,
});

/** An authentication or renewal ceremony started: the server's challenge B was issued. */
const challengeStartedFields = {
  passcodeId: id,
  policyName: z.string().min(1),
  expiresDtm: dtm,
  at: dtm,
};
export const passcodeAuthenticationStartedIntegrationSchema = z.object(challengeStartedFields);
export const passcodeRenewalStartedIntegrationSchema = z.object(challengeStartedFields);

/**
 * The outcome of checking a proof (M1). Carries the passcode as it is after this event, so the
 * authentication audit (`passcodeInfo`, `passcodeAuditInfo`) is a function of the event alone.
 */
const proofCheckedFields = {
  passcodeId: id,
  authenticationId: id,
  ceremony: passcodeCeremonySchema,
  policyName: z.string().min(1),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  status: passcodeStatusSchema,
  expirationDtm: dtm.nullable(),
  /** Consecutive failed attempts after this event (0 after a success). */
  failedAttempts: z.number().int().nonnegative(),
  /** Whether this event leaves the passcode locked. */
  locked: z.boolean(),
  at: dtm,
  context,
};

export const passcodeAuthenticationSucceededIntegrationSchema = z.object(proofCheckedFields);

export const passcodeAuthenticationFailedIntegrationSchema = z.object({
  ...proofCheckedFields,
  reason: passcodeAuthenticationFailureReasonSchema,
  failedAttempts: z.number().int().positive(),
});

export const passcodeLockedIntegrationSchema = z.object({ passcodeId: id, lockedUntil: dtm, at: dtm });

export const passcodeRenewedIntegrationSchema = z.object({
  passcodeId: id,
  authenticationId: id,
  expirationDtm: dtm.nullable(),
  /** The KDF of the new verifier (the policy's when the renewal started). */
  kdf,
  at: dtm,
});

/**
 * Decoys (a user with no passcode for the policy, README "Passcodes"): an authentication start
 * answers with a challenge like a real one, and its completion fails like a wrong proof, so the
 * answers do not tell whether the user has a passcode. Published and audited with the truth.
 */
export const passcodeDecoyAuthenticationStartedIntegrationSchema = z.object({
  policyName: z.string().min(1),
  expiresDtm: dtm,
  at: dtm,
});
export const passcodeDecoyAuthenticationFailedIntegrationSchema = z.object({
  authenticationId: id,
  policyName: z.string().min(1),
  srpGroup: srpGroupSchema,
  hash: srpHashSchema,
  reason: z.literal('PASSCODE_NOT_FOUND'),
  at: dtm,
  context,
});

export const passcodeStatusChangedIntegrationSchema = z.object({
  passcodeId: id,
  status: passcodeStatusSchema,
  at: dtm,
});

export const passcodeExpirationChangedIntegrationSchema = z.object({
  passcodeId: id,
  expirationDtm: dtm.nullable(),
  at: dtm,
});

export const passcodeDeregisteredIntegrationSchema = z.object({
  passcodeId: id,
  reason: passcodeDeregistrationReasonSchema,
  at: dtm,
});

/** A ceremony session: registration, a challenge (authentication or renewal), or a decoy challenge. */
export const passcodeSessionKindSchema = z.enum(['REGISTRATION', 'AUTHENTICATION', 'RENEWAL', 'DECOY']);

const closedSession = { kind: passcodeSessionKindSchema, expiresDtm: dtm };
/** Open sessions closed without a ceremony (see {@link sessionClosureReasonSchema}). */
export const passcodeSessionsExpiredIntegrationSchema = z.object({
  reason: sessionClosureReasonSchema,
  sessions: z.array(z.object(closedSession)).min(1),
  at: dtm,
});

/** Integration event definitions by type (data schemas and versions of what is published). */
export const passcodeIntegrationEvents = defineEvents({
  PasscodeRegistrationStarted: passcodeRegistrationStartedIntegrationSchema,
  PasscodeRegistrationCompleted: passcodeRegistrationCompletedIntegrationSchema,
  PasscodeAuthenticationStarted: passcodeAuthenticationStartedIntegrationSchema,
  PasscodeRenewalStarted: passcodeRenewalStartedIntegrationSchema,
  PasscodeAuthenticationSucceeded: passcodeAuthenticationSucceededIntegrationSchema,
  PasscodeAuthenticationFailed: passcodeAuthenticationFailedIntegrationSchema,
  PasscodeLocked: passcodeLockedIntegrationSchema,
  PasscodeRenewed: passcodeRenewedIntegrationSchema,
  PasscodeStatusChanged: passcodeStatusChangedIntegrationSchema,
  PasscodeExpirationChanged: passcodeExpirationChangedIntegrationSchema,
  PasscodeDeregistered: passcodeDeregisteredIntegrationSchema,
  PasscodeDecoyAuthenticationStarted: passcodeDecoyAuthenticationStartedIntegrationSchema,
  PasscodeDecoyAuthenticationFailed: passcodeDecoyAuthenticationFailedIntegrationSchema,
  PasscodeSessionsExpired: passcodeSessionsExpiredIntegrationSchema,
});

export type PasscodeIntegrationEvent = EventsOf<typeof passcodeIntegrationEvents>;
