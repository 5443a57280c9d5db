/**
 * Whether registered authenticators satisfy a Policy (UAF Protocol §3.1.11, §3.1.12, §3.4.6.5
 * "Verify that the AAID indeed matches the policy"). A server sees only what the assertion shows:
 * aaid, vendorID, keyIDs, authenticationAlgorithms, assertionSchemes, attestationTypes and
 * authenticatorVersion. userVerification, keyProtection, matcherProtection, attachmentHint,
 * tcDisplay and exts describe the authenticator model, known only from its metadata statement, which
 * this library does not have; the client enforces them when it picks an authenticator. So:
 * - an `accepted` criterion matches when every field the assertion shows matches (the others are
 *   not checked here);
 * - a `disallowed` criterion excludes an authenticator only when all its fields are shown and match
 *   (one that names model properties cannot be proven, so it excludes nobody here).
 * `accepted` is satisfied when one of its sets matches the registrations one to one.
 */
import { UAF_ASSERTION_SCHEME } from './uaf-constants';
import { type MatchCriteria, type UafPolicy } from './uaf-messages';

/** What a verified registration assertion shows of its authenticator. */
export interface AuthenticatorFacts {
  aaid: string;
  keyID: string;
  signAlgorithm: number;
  /** The TAG_ATTESTATION_* tag used. */
  attestationTag: number;
  authenticatorVersion: number;
}

type ShownField = keyof Pick<
  MatchCriteria,
  | 'aaid'
  | 'vendorID'
  | 'keyIDs'
  | 'authenticationAlgorithms'
  | 'assertionSchemes'
  | 'attestationTypes'
  | 'authenticatorVersion'
>;

type FieldMatch<F extends ShownField> = (
  value: NonNullable<MatchCriteria[F]>,
  facts: AuthenticatorFacts,
) => boolean;

const SHOWN_FIELD_MATCHES: { [F in ShownField]: FieldMatch<F> } = {
  aaid: (aaids, facts) => aaids.some((aaid) => aaid.toUpperCase() === facts.aaid),
  vendorID: (vendors, facts) => vendors.some((vendor) => vendor.toUpperCase() === facts.aaid.slice(0, 4)),
  keyIDs: (keyIDs, facts) => keyIDs.includes(facts.keyID),
  authenticationAlgorithms: (algorithms, facts) => algorithms.includes(facts.signAlgorithm),
  assertionSchemes: (schemes) => schemes.includes(UAF_ASSERTION_SCHEME),
  attestationTypes: (tags, facts) => tags.includes(facts.attestationTag),
  authenticatorVersion: (version, facts) => version <= facts.authenticatorVersion,
};

const fieldMatches = (criteria: MatchCriteria, field: ShownField, facts: AuthenticatorFacts): boolean =>
  (SHOWN_FIELD_MATCHES[field] as (value: unknown, facts: AuthenticatorFacts) => boolean)(
    criteria[field],
    facts,
  );

const presentFields = (criteria: MatchCriteria) =>
  Object.entries(criteria)
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field);

const isShown = (field: string): field is ShownField => field in SHOWN_FIELD_MATCHES;

const shownFieldsMatch = (criteria: MatchCriteria, facts: AuthenticatorFacts): boolean =>
  presentFields(criteria)
    .filter(isShown)
    .every((field) => fieldMatches(criteria, field, facts));

export const matchesAccepted = (criteria: MatchCriteria, facts: AuthenticatorFacts): boolean =>
  shownFieldsMatch(criteria, facts);

export const matchesDisallowed = (criteria: MatchCriteria, facts: AuthenticatorFacts): boolean => {
  const fields = presentFields(criteria);
  return fields.length > 0 && fields.every(isShown) && shownFieldsMatch(criteria, facts);
};

/** Whether `set` can be matched to `authenticators`, one distinct authenticator per criterion and none left over. */
const matchesOneToOne = (set: MatchCriteria[], authenticators: AuthenticatorFacts[]): boolean => {
  if (set.length !== authenticators.length) return false;
  const [criteria, ...rest] = set;
  if (!criteria) return true;
  return authenticators.some(
    (facts, index) =>
      matchesAccepted(criteria, facts) &&
      matchesOneToOne(
        rest,
        authenticators.filter((_, other) => other !== index),
      ),
  );
};

/** The reason `authenticators` do not satisfy `policy`, or undefined when they do. */
export const policyViolation = (
  policy: UafPolicy,
  authenticators: AuthenticatorFacts[],
): string | undefined => {
  const excluded = authenticators.find((facts) =>
    (policy.disallowed ?? []).some((criteria) => matchesDisallowed(criteria, facts)),
  );
  if (excluded) return `authenticator ${excluded.aaid} key ${excluded.keyID} is disallowed by the policy`;
  return policy.accepted.some((set) => matchesOneToOne(set, authenticators))
    ? undefined
    : 'the registered authenticators match no accepted set of the policy';
};
