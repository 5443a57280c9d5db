import { z } from 'zod';
import { dtmSchema } from '../api/common';
import { statusAt } from '../credential-lock';
import { type JsonBounds, jsonBoundsProblem } from '../json-bounds';
import {
  appkeyAuditInfoSchema,
  appkeyInfoSchema,
  appkeyRegistrationAuditInfoSchema,
} from '../appkey/appkey-resources';
import { biometricAuditInfoSchema, biometricRegistrationAuditInfoSchema } from '../biometric/biometric-resources';
import { passcodeAuditInfoSchema, passcodeInfoSchema } from '../passcode/passcode-resources';
import {
  passkeyAuditInfoSchema,
  passkeyInfoSchema,
  passkeyRegistrationAuditInfoSchema,
} from '../passkey/passkey-resources';
import { passkeyHintSchema } from './passkey-config';

export const userStatusSchema = z.enum(['ACTIVE', 'LOCKED', 'TEMP_LOCKED', 'DISABLED', 'PENDING_ACTIVE']);
export type UserStatus = z.infer<typeof userStatusSchema>;

const extIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.@:+-]+$/, 'must be 1–128 letters, digits or . @ : + - _');

/** How large a user's attributes may be (review M2): they are validated, stored and sent with every user. */
export const ATTRIBUTES_BOUNDS: JsonBounds = { maxBytes: 32_768, maxDepth: 32 };

/** User attributes in a request: a JSON object within {@link ATTRIBUTES_BOUNDS}. */
const attributesSchema = z.record(z.string(), z.unknown()).superRefine((attributes, ctx) => {
  const problem = jsonBoundsProblem(attributes, ATTRIBUTES_BOUNDS);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * Fields of a User a client may send back as it got them (the changelog's user requests list
 * `summaryInfo`): accepted and ignored — a request never writes them.
 */
const readOnlyUserFields = {
  id: z.unknown().optional().describe('Read-only: ignored.'),
  summaryInfo: z.unknown().optional().describe('Read-only (projected from events): ignored.'),
  createdDtm: z.unknown().optional().describe('Read-only: ignored.'),
  lastUpdatedDtm: z.unknown().optional().describe('Read-only: ignored.'),
};

/** A user create or update body without the read-only fields it may carry. */
export const withoutReadOnlyUserFields = <T extends Partial<Record<keyof typeof readOnlyUserFields, unknown>>>(
  body: T,
): Omit<T, keyof typeof readOnlyUserFields> => {
  const { id: _id, summaryInfo: _summaryInfo, createdDtm: _createdDtm, lastUpdatedDtm: _lastUpdatedDtm, ...writable } = body;
  return writable;
};

export const createUserBodySchema = z
  .object({
    extId: extIdSchema,
    status: userStatusSchema.default('ACTIVE'),
    attributes: attributesSchema.default({}),
    ...readOnlyUserFields,
  })
  .strict();

export const updateUserBodySchema = z
  .object({
    extId: extIdSchema.optional(),
    status: userStatusSchema.optional(),
    attributes: attributesSchema.optional(),
    ...readOnlyUserFields,
  })
  .strict();

const groupItemSchema = z.object({
  id: z.string(),
  status: z.string(),
  policyName: z.string().optional(),
  rpId: z.string().optional(),
  deviceId: z.string().optional(),
  type: z.string().optional(),
  createdDtm: dtmSchema,
  lastUsedDtm: dtmSchema.nullable(),
  expirationDtm: dtmSchema.nullable().optional(),
  lockedUntil: dtmSchema
    .nullable()
    .optional()
    .describe(
      'TOTPs and passcodes: the end of the last lockout (null: none). `status` is LOCKED while it runs, ' +
        'as the credential’s own status is.',
    ),
});
export type SummaryGroupItem = z.infer<typeof groupItemSchema>;

export const summaryGroupSchema = z.object({ count: z.number().int(), items: z.array(groupItemSchema) });
export type SummaryGroup = z.infer<typeof summaryGroupSchema>;

export const authenticationTypeSchema = z.enum(['Passkey', 'Appkey', 'Totp', 'Passcode', 'Face']);
export type AuthenticationType = z.infer<typeof authenticationTypeSchema>;

/** Projected by the audit service from events; never written by a request. */
export const summaryInfoSchema = z.object({
  passkeys: summaryGroupSchema,
  appkeys: summaryGroupSchema,
  totps: summaryGroupSchema,
  passcodes: summaryGroupSchema,
  biometrics: summaryGroupSchema,
  lastAuthentication: z
    .object({ type: authenticationTypeSchema, result: z.enum(['SUCCESS', 'FAILURE']), dtm: dtmSchema })
    .nullable(),
});
export type SummaryInfo = z.infer<typeof summaryInfoSchema>;

export const emptySummaryInfo = (): SummaryInfo => ({
  passkeys: { count: 0, items: [] },
  appkeys: { count: 0, items: [] },
  totps: { count: 0, items: [] },
  passcodes: { count: 0, items: [] },
  biometrics: { count: 0, items: [] },
  lastAuthentication: null,
});

/**
 * summaryInfo as readers see it at `now`. The projection records when a lock ends (`lockedUntil`)
 * and keeps the stored status, since no event marks the end of a lock; LOCKED is derived here, by
 * the rule the credentials' resources follow, where summaryInfo is read out (the user's view).
 */
export const summaryInfoAt = (summary: SummaryInfo, now: Date): SummaryInfo => {
  const groupAt = (group: SummaryGroup): SummaryGroup => ({
    ...group,
    items: group.items.map((item) => ({ ...item, status: statusAt(item.status, item.lockedUntil, now) })),
  });
  return {
    ...summary,
    totps: groupAt(summary.totps),
    passcodes: groupAt(summary.passcodes),
    biometrics: groupAt(summary.biometrics),
  };
};

/** A user as the identity service keeps it (no summary). */
export const userRecordSchema = z.object({
  id: z.string(),
  storeId: z.string(),
  extId: z.string(),
  status: userStatusSchema,
  attributes: z.record(z.string(), z.unknown()),
  createdDtm: dtmSchema,
  lastUpdatedDtm: dtmSchema,
});
export type UserRecord = z.infer<typeof userRecordSchema>;

/** A user as the API returns it. */
export const userSchema = userRecordSchema.omit({ storeId: true }).extend({ summaryInfo: summaryInfoSchema });
export type User = z.infer<typeof userSchema>;

export const authenticationAuditSchema = z.object({
  id: z.string(),
  userId: z.string(),
  type: authenticationTypeSchema,
  result: z.enum(['SUCCESS', 'FAILURE']),
  reason: z.string().optional(),
  createdDtm: dtmSchema,
  context: z.record(z.string(), z.unknown()),
  credentialId: z.string().optional(),
  policyName: z.string().optional(),
  /** Passcode authentications: the passcode when the proof was checked. */
  passcodeInfo: passcodeInfoSchema.optional(),
  passcodeAuditInfo: passcodeAuditInfoSchema.optional(),
  /** Passkey authentications: the passkey the response named (when one has its credential id). */
  passkeyInfo: passkeyInfoSchema.optional(),
  passkeyAuditInfo: passkeyAuditInfoSchema.optional(),
  /** Appkey authentications: the appkey the response named (when one has its key id). */
  appkeyInfo: appkeyInfoSchema.optional(),
  appkeyAuditInfo: appkeyAuditInfoSchema.optional(),
  /** Face authentications (and failures the client recorded): scores, liveness, lockout. */
  biometricAuditInfo: biometricAuditInfoSchema.optional(),
  hints: z
    .array(passkeyHintSchema)
    .optional()
    .describe(
      'Passkey and appkey ceremonies: the hints that guided the client, by decreasing preference — those a one-call ' +
        'request named, else those the options (policy) carried (`passkeyAuditInfo.hints` / `…RegistrationAuditInfo.hints`).',
    ),
});
export type AuthenticationAudit = z.infer<typeof authenticationAuditSchema>;

/**
 * A registration audit (`GET …/passkeys/{id}/registrationAudit`): the audit record of the
 * registration that created the credential (`id` and `credentialId` are the passkey's id), with
 * what its attestation said.
 */
export const registrationAuditSchema = authenticationAuditSchema.extend({
  passcodeInfo: passcodeInfoSchema
    .optional()
    .describe('The audit record’s shape (the changelog lists it): absent, a passkey registration proves no passcode.'),
  passcodeAuditInfo: passcodeAuditInfoSchema
    .optional()
    .describe('The audit record’s shape (the changelog lists it): absent, a passkey registration proves no passcode.'),
  passkeyRegistrationAuditInfo: passkeyRegistrationAuditInfoSchema.optional(),
  appkeyRegistrationAuditInfo: appkeyRegistrationAuditInfoSchema.optional(),
  biometricRegistrationAuditInfo: biometricRegistrationAuditInfoSchema.optional(),
});
export type RegistrationAudit = z.infer<typeof registrationAuditSchema>;
