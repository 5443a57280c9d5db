import { z } from 'zod';
import { passkeyHintSchema } from '../identity/passkey-config';
import {
  appkeyAttestationTypeSchema,
  appkeyDeviceSchema,
  registeredAppkeyTypeSchema,
  appkeyStatusSchema,
  attestationCertificateSchema,
} from './appkey-integration-events';

/**
 * Appkey API resources and audit details (public); request and response bodies are in
 * appkey-requests.ts. The stored events and their state live in the appkey lib
 * (libs/appkey/src/domain/appkey.ts). Never a public key or a push token.
 */

const dtm = z.iso.datetime();
const counter = z.number().int().nonnegative();

/** A user's appkey (a FIDO UAF key registered from a device) as the API returns it. */
export const appkeyResourceSchema = z.object({
  id: z.string(),
  rpId: z.string(),
  keyId: z.string().describe('The UAF KeyID (base64url).'),
  aaid: z.string().describe('The authenticator model (AAID, `vvvv#mmmm`).'),
  keyType: registeredAppkeyTypeSchema,
  name: z.string().nullable(),
  status: appkeyStatusSchema,
  policyName: z.string().describe('The registration policy it was registered with.'),
  device: appkeyDeviceSchema.extend({
    pushEnabled: z.boolean().describe('The device has a push token (push notifications reach it).'),
    preferred: z.boolean().describe('The device is one of the user’s preferred devices of the relying party.'),
  }),
  attestationType: appkeyAttestationTypeSchema,
  signCounter: counter.describe('The last signature counter seen.'),
  locked: z.boolean().describe('The user’s appkeys of this relying party are locked after failed authentications.'),
  createdDtm: dtm,
  lastUsedDtm: dtm.nullable(),
});
export type AppkeyResource = z.infer<typeof appkeyResourceSchema>;

/** `appkeyInfo` of an audit: the appkey at the time (absent when no appkey has the key id). */
export const appkeyInfoSchema = z.object({
  id: z.string(),
  rpId: z.string(),
  keyId: z.string(),
  deviceId: z.string(),
});
export type AppkeyInfo = z.infer<typeof appkeyInfoSchema>;

/** `appkeyAuditInfo` of an authentication audit (what a UI shows for an appkey authentication). */
export const appkeyAuditInfoSchema = z.object({
  rpId: z.string(),
  policyName: z.string(),
  keyId: z.string().nullable(),
  aaid: z.string().nullable(),
  deviceId: z.string().nullable(),
  transactionConfirmed: z.boolean(),
  signCounter: counter.nullable(),
  previousSignCounter: counter.nullable(),
  counterRegression: z.boolean().describe('The signature verified but its counter did not grow: a possibly cloned authenticator.'),
  failedAttempts: z.number().int().nonnegative(),
  locked: z.boolean(),
});
export type AppkeyAuditInfo = z.infer<typeof appkeyAuditInfoSchema>;

/** `appkeyRegistrationAuditInfo` of a registration audit: what the UAF registration said. */
export const appkeyRegistrationAuditInfoSchema = z.object({
  rpId: z.string(),
  policyName: z.string(),
  keyId: z.string(),
  aaid: z.string(),
  keyType: registeredAppkeyTypeSchema,
  attestationType: appkeyAttestationTypeSchema,
  attestationCertificate: attestationCertificateSchema.nullable(),
  facetId: z.string().describe('The facet (app or origin) the UAF client reported.'),
  authenticatorVersion: z.number().int(),
  device: appkeyDeviceSchema,
  hints: z.array(passkeyHintSchema),
});
export type AppkeyRegistrationAuditInfo = z.infer<typeof appkeyRegistrationAuditInfoSchema>;
