/**
 * Every refusal of a UAF message names its reason with one of these codes, so the service can
 * answer and audit it without parsing messages.
 */
export type UafErrorCode =
  /** Not JSON, too large, or not the message's shape (UAF Protocol §3: "reject the operation"). */
  | 'MALFORMED_MESSAGE'
  /** The TLV bytes do not parse: truncated, a length beyond the data, trailing bytes, too deep. */
  | 'MALFORMED_TLV'
  /** The TLV parses but is not a UAFV1TLV assertion: a tag missing, repeated or of the wrong size. */
  | 'MALFORMED_ASSERTION'
  | 'UNSUPPORTED_VERSION'
  | 'WRONG_OPERATION'
  | 'APPID_MISMATCH'
  | 'FACET_NOT_TRUSTED'
  | 'CHALLENGE_MISMATCH'
  | 'SERVER_DATA_MISMATCH'
  | 'FINAL_CHALLENGE_MISMATCH'
  /** An assertion scheme other than "UAFV1TLV". */
  | 'UNSUPPORTED_ASSERTION_SCHEME'
  /** A signature algorithm or key encoding this server does not verify, or one that does not fit the key. */
  | 'UNSUPPORTED_ALGORITHM'
  /** An authentication signed with another algorithm than the one registered for the key. */
  | 'ALGORITHM_MISMATCH'
  /** TAG_ATTESTATION_ECDAA or another attestation this server does not verify. */
  | 'UNSUPPORTED_ATTESTATION'
  /** The attestation certificate chain is broken: unparsable, out of validity, unlinked, a non-CA issuer, another AAID. */
  | 'ATTESTATION_INVALID'
  /** A sound attestation that does not end in a configured trust anchor (or a surrogate one when anchors are configured). */
  | 'ATTESTATION_UNTRUSTED'
  | 'SIGNATURE_INVALID'
  | 'UNKNOWN_KEY'
  /** The sign counter did not increase (UAF Protocol §3.5.7.5: a cloned authenticator). */
  | 'SIGN_COUNTER_NOT_INCREASED'
  | 'TRANSACTION_MISMATCH'
  | 'POLICY_NOT_SATISFIED'
  /** A fail_if_unknown extension, a TAG_EXTENSION 0x3E11 or an unknown tag with the critical bit 0x2000. */
  | 'UNKNOWN_CRITICAL_EXTENSION';

export class UafError extends Error {
  constructor(
    readonly code: UafErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UafError';
  }
}
