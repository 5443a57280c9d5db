/**
 * The UAF 1.1 message dictionaries ("FIDO UAF Protocol Specification v1.1" §3) as zod schemas,
 * with the sizes the IDL gives (string[1..512], base64url(byte[8..64]), …). Unknown members are
 * dropped, as WebIDL dictionaries do.
 */
import { z } from 'zod';
import { base64UrlBytesOrUndefined } from './base64url';
import { UafError } from './uaf-error';

/** The largest UAF message text accepted (a response holds at most a few 4 KiB assertions). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** At most this many assertions in one response: one device registers or signs with one or two keys. */
export const MAX_ASSERTIONS_PER_RESPONSE = 8;

const unsigned = (bits: 8 | 16 | 32) =>
  z
    .number()
    .int()
    .min(0)
    .max(2 ** bits - 1);

/** base64url(byte[min..max]) of the IDL: canonical unpadded base64url of that many bytes. */
export const base64UrlOfBytes = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.string().refine(
    (text) => {
      const bytes = base64UrlBytesOrUndefined(text);
      return bytes !== undefined && bytes.length >= min && bytes.length <= max;
    },
    { message: `must be unpadded base64url of ${min}..${max === Number.MAX_SAFE_INTEGER ? '' : max} bytes` },
  );

export const versionSchema = z.object({ major: unsigned(16), minor: unsigned(16) });
export const operationSchema = z.enum(['Reg', 'Auth', 'Dereg']);

/** §3.1.10 */
export const extensionSchema = z.object({
  id: z.string().min(1).max(32),
  data: z.string(),
  fail_if_unknown: z.boolean(),
});

/** §3.1.3 */
export const operationHeaderSchema = z.object({
  upv: versionSchema,
  op: operationSchema,
  appID: z.string().max(512).optional(),
  serverData: z.string().min(1).max(1536).optional(),
  exts: z.array(extensionSchema).optional(),
});
const headerFor = (op: z.infer<typeof operationSchema>) =>
  operationHeaderSchema.extend({ op: z.literal(op) });

/** §3.1.4: "V#M", 4 hexadecimal digits each, case-insensitive. */
export const aaidSchema = z.string().regex(/^[0-9A-Fa-f]{4}#[0-9A-Fa-f]{4}$/, 'must be an AAID "VVVV#MMMM"');
/** §3.1.5: base64url(byte[32..2048]). */
export const keyIdSchema = base64UrlOfBytes(32, 2048);
/** §3.1.6: base64url(byte[8..64]). */
export const serverChallengeSchema = base64UrlOfBytes(8, 64);

/** §3.1.11 */
export const matchCriteriaSchema = z.object({
  aaid: z.array(aaidSchema).optional(),
  vendorID: z.array(z.string()).optional(),
  keyIDs: z.array(keyIdSchema).optional(),
  userVerification: unsigned(32).optional(),
  keyProtection: unsigned(16).optional(),
  matcherProtection: unsigned(16).optional(),
  attachmentHint: unsigned(32).optional(),
  tcDisplay: unsigned(16).optional(),
  authenticationAlgorithms: z.array(unsigned(16)).optional(),
  assertionSchemes: z.array(z.string()).optional(),
  attestationTypes: z.array(unsigned(16)).optional(),
  authenticatorVersion: unsigned(16).optional(),
  exts: z.array(extensionSchema).optional(),
});
export type MatchCriteria = z.infer<typeof matchCriteriaSchema>;

/** §3.1.12: `accepted` is a non-empty list of non-empty sets. */
export const policySchema = z.object({
  accepted: z.array(z.array(matchCriteriaSchema).min(1)).min(1),
  disallowed: z.array(matchCriteriaSchema).optional(),
});
export type UafPolicy = z.infer<typeof policySchema>;

/** DisplayPNGCharacteristicsDescriptor of the FIDO Metadata Statements. */
export const displayPngCharacteristicsSchema = z.object({
  width: unsigned(32),
  height: unsigned(32),
  bitDepth: unsigned(8),
  colorType: unsigned(8),
  compression: unsigned(8),
  filter: unsigned(8),
  interlace: unsigned(8),
  plte: z.array(z.object({ r: unsigned(16), g: unsigned(16), b: unsigned(16) })).optional(),
});

/** §3.5.1 */
export const transactionSchema = z.object({
  contentType: z.string().min(1),
  content: base64UrlOfBytes(1),
  tcDisplayPNGCharacteristics: displayPngCharacteristicsSchema.optional(),
});

/** §3.4.2 */
export const registrationRequestSchema = z.object({
  header: headerFor('Reg'),
  challenge: serverChallengeSchema,
  username: z.string().min(1).max(128),
  policy: policySchema,
});

/** §3.5.3 */
export const authenticationRequestSchema = z.object({
  header: headerFor('Auth'),
  challenge: serverChallengeSchema,
  transaction: z.array(transactionSchema).min(1).optional(),
  policy: policySchema,
});

/** §3.6.2: an empty aaid deregisters every key of the appID, and then keyID is empty too. */
export const deregisterAuthenticatorSchema = z
  .object({ aaid: z.union([z.literal(''), aaidSchema]), keyID: z.union([z.literal(''), keyIdSchema]) })
  .refine((entry) => entry.aaid !== '' || entry.keyID === '', {
    message: 'keyID must be empty when aaid is empty',
  });

/** §3.6.3; §3.6.4.2: empty aaid and keyID occur only in the first and only entry. */
export const deregistrationRequestSchema = z
  .object({ header: headerFor('Dereg'), authenticators: z.array(deregisterAuthenticatorSchema).min(1) })
  .refine(
    (request) =>
      request.authenticators.length === 1 || request.authenticators.every((entry) => entry.aaid !== ''),
    {
      message: 'the deregisterAll entry (empty aaid) must be the only one',
      path: ['authenticators'],
    },
  );

/** The assertion of §3.4.3 and §3.5.4: base64url(byte[1..4096]). */
const assertionSchema = base64UrlOfBytes(1, 4096);

/** §3.4.3 */
export const authenticatorRegistrationAssertionSchema = z.object({
  assertionScheme: z.string(),
  assertion: assertionSchema,
  tcDisplayPNGCharacteristics: z.array(displayPngCharacteristicsSchema).optional(),
  exts: z.array(extensionSchema).optional(),
});

/** §3.4.5 */
export const registrationResponseSchema = z.object({
  header: headerFor('Reg'),
  fcParams: z.string().min(1),
  assertions: z.array(authenticatorRegistrationAssertionSchema).min(1).max(MAX_ASSERTIONS_PER_RESPONSE),
});

/** §3.5.4 */
export const authenticatorSignAssertionSchema = z.object({
  assertionScheme: z.string(),
  assertion: assertionSchema,
  exts: z.array(extensionSchema).optional(),
});

/** §3.5.5 */
export const authenticationResponseSchema = z.object({
  header: headerFor('Auth'),
  fcParams: z.string().min(1),
  assertions: z.array(authenticatorSignAssertionSchema).min(1).max(MAX_ASSERTIONS_PER_RESPONSE),
});

/** §3.1.8 */
export const channelBindingSchema = z.object({
  serverEndPoint: z.string().optional(),
  tlsServerCertificate: z.string().optional(),
  tlsUnique: z.string().optional(),
  cid_pubkey: z.string().optional(),
});

/** §3.1.7 */
export const finalChallengeParamsSchema = z.object({
  appID: z.string().min(1).max(512),
  challenge: serverChallengeSchema,
  facetID: z.string().min(1).max(512),
  channelBinding: channelBindingSchema,
});

/** A UAF message is an array of one dictionary per protocol version (§3.4.1, §3.4.4). */
export const uafMessageSchema = <T extends z.ZodType>(entry: T) => z.array(entry).min(1);

/** `value` parsed by `schema`, or UafError('MALFORMED_MESSAGE') naming every bad field. */
export const parseWithSchema = <T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${[what, ...issue.path].join('.')}: ${issue.message}`);
  throw new UafError('MALFORMED_MESSAGE', problems.join('; '));
};

/** The JSON value of a message text of at most MAX_MESSAGE_BYTES. */
export const parseJsonText = (text: unknown, what: string): unknown => {
  if (typeof text !== 'string') throw new UafError('MALFORMED_MESSAGE', `${what} is not a string`);
  if (Buffer.byteLength(text, 'utf8') > MAX_MESSAGE_BYTES) {
    throw new UafError('MALFORMED_MESSAGE', `${what} is longer than ${MAX_MESSAGE_BYTES} bytes`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UafError('MALFORMED_MESSAGE', `${what} is not JSON`);
  }
};
