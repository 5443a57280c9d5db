/**
 * The request messages a FIDO Server sends (UAF Protocol §3.4.6.1, §3.5.7.1, §3.6.4.1): JSON
 * text of an array holding one dictionary of protocol version 1.1. Inputs are validated against
 * the message IDL and the server's generation rules; a UafError('MALFORMED_MESSAGE') names every
 * bad field (a caller's mistake, not a client's).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { base64UrlBytesOrUndefined } from './base64url';
import { UAF_PROTOCOL_VERSION } from './uaf-constants';
import {
  type MatchCriteria,
  type UafPolicy,
  authenticationRequestSchema,
  deregistrationRequestSchema,
  parseWithSchema,
  policySchema,
  registrationRequestSchema,
} from './uaf-messages';

/** Bytes of a fresh challenge: 256 bits, within ServerChallenge's 8..64 bytes (§3.1.6, §4.2.1). */
const CHALLENGE_BYTES = 32;
/** A text/plain transaction is at most 200 ASCII characters (§3.5.1). */
const MAX_TRANSACTION_TEXT = 200;
/** Fields an `aaid` criterion may be combined with (§3.4.6.1, §3.5.7.1). */
const COMBINABLE_WITH_AAID = new Set(['aaid', 'keyIDs', 'attachmentHint', 'authenticatorVersion', 'exts']);

/** A fresh ServerChallenge: 32 random bytes, base64url. */
export const newChallenge = (): string => randomBytes(CHALLENGE_BYTES).toString('base64url');

/** §3.4.6.1 and §3.5.7.1: m.aaid combines only with keyIDs, attachmentHint, authenticatorVersion and exts; without aaid, authenticationAlgorithms and assertionSchemes are required. */
const criteriaProblem = (criteria: MatchCriteria): string | undefined => {
  const fields = Object.keys(criteria).filter(
    (field) => criteria[field as keyof MatchCriteria] !== undefined,
  );
  if (criteria.aaid) {
    const extra = fields.filter((field) => !COMBINABLE_WITH_AAID.has(field));
    return extra.length > 0 ? `aaid must not be combined with ${extra.join(', ')}` : undefined;
  }
  return criteria.authenticationAlgorithms?.length && criteria.assertionSchemes?.length
    ? undefined
    : 'without aaid, authenticationAlgorithms and assertionSchemes are required';
};

const serverPolicySchema = policySchema.superRefine((policy, context) =>
  policy.accepted.forEach((set, i) =>
    set.forEach((criteria, j) => {
      const problem = criteriaProblem(criteria);
      if (problem) context.addIssue({ code: 'custom', message: problem, path: ['accepted', i, j] });
    }),
  ),
);

const textTransactionSchema = z.object({
  contentType: z.literal('text/plain'),
  content: z.string().refine(
    (content) => {
      const text = base64UrlBytesOrUndefined(content);
      return (
        text !== undefined &&
        text.length >= 1 &&
        text.length <= MAX_TRANSACTION_TEXT &&
        text.every((byte) => byte < 0x80)
      );
    },
    { message: `must be the base64url of 1..${MAX_TRANSACTION_TEXT} ASCII characters` },
  ),
});

const header = (op: 'Reg' | 'Auth' | 'Dereg', appID: string, serverData?: string) => ({
  upv: { ...UAF_PROTOCOL_VERSION },
  op,
  // §3.1.3: a missing or empty appID makes the client use its FacetID.
  ...(appID === '' ? {} : { appID }),
  ...(serverData === undefined ? {} : { serverData }),
});

const message = <T extends z.ZodType>(schema: T, request: unknown, what: string): string =>
  JSON.stringify([parseWithSchema(schema, request, what)]);

/** The RegistrationRequest message (§3.4.1) of op "Reg". */
export const buildRegistrationRequest = (input: {
  appID: string;
  serverData: string;
  challenge: string;
  username: string;
  policy: UafPolicy;
}): string =>
  message(
    registrationRequestSchema.extend({ policy: serverPolicySchema }),
    {
      header: header('Reg', input.appID, input.serverData),
      challenge: input.challenge,
      username: input.username,
      policy: input.policy,
    },
    'RegistrationRequest',
  );

/** The AuthenticationRequest message (§3.5.2) of op "Auth", with the text to confirm when given. */
export const buildAuthenticationRequest = (input: {
  appID: string;
  serverData: string;
  challenge: string;
  policy: UafPolicy;
  transaction?: { contentType: 'text/plain'; content: string }[];
}): string =>
  message(
    authenticationRequestSchema.extend({
      policy: serverPolicySchema,
      transaction: z.array(textTransactionSchema).min(1).optional(),
    }),
    {
      header: header('Auth', input.appID, input.serverData),
      challenge: input.challenge,
      ...(input.transaction ? { transaction: input.transaction } : {}),
      policy: input.policy,
    },
    'AuthenticationRequest',
  );

/**
 * The DeregistrationRequest message (§3.6.1) of op "Dereg". One entry { aaid: '', keyID: '' }
 * deregisters every key of the appID; { aaid, keyID: '' } every key of that authenticator.
 */
export const buildDeregistrationRequest = (input: {
  appID: string;
  authenticators: { aaid: string; keyID: string }[];
}): string =>
  message(
    deregistrationRequestSchema,
    { header: header('Dereg', input.appID), authenticators: input.authenticators },
    'DeregistrationRequest',
  );
