/**
 * Verifies an AuthenticationResponse (UAF Protocol §3.5.7.5, "Authentication Response Processing
 * Rules for FIDO Server"), accepted whole or refused like registrations. The key must be one
 * `keyOf` returns for the assertion's (AAID, KeyID): that is where the request's allowed keys and
 * the user's record are enforced.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { parseAuthenticationAssertion } from './authentication-assertion';
import { decodeBase64Url } from './base64url';
import { bytesEqual } from './constant-time';
import { assertKeyFitsAlgorithm, verifyUafSignature } from './signatures';
import { AUTHENTICATION_MODE } from './uaf-constants';
import { UafError } from './uaf-error';
import { authenticationResponseSchema } from './uaf-messages';
import { type ResponseExpectation, assertDistinctKeys, openResponse } from './uaf-response';

export interface VerifiedAuthentication {
  /** "VVVV#MMMM", upper-cased. */
  aaid: string;
  /** base64url of the KeyID bytes. */
  keyID: string;
  signCounter: number;
  authenticationMode: number;
  /** AuthenticationMode 0x02: the user confirmed the transaction text that was sent. */
  transactionConfirmed: boolean;
  authenticatorVersion: number;
}

export interface RegisteredKey {
  /** SubjectPublicKeyInfo DER, base64url (VerifiedRegistration.publicKey). */
  publicKey: string;
  /** ALG_SIGN_* registered for the key (VerifiedRegistration.signAlgorithm). */
  signAlgorithm: number;
  /** The last sign counter stored; when given, the assertion's must be accepted by signCounterAccepted. */
  signCounter?: number;
}

export interface AuthenticationExpectation extends ResponseExpectation {
  /** The transaction texts sent in the request (Transaction.content is base64url). */
  transaction?: { contentType: string; content: string }[];
  /** The registered key of (AAID, KeyID) that may answer this request, or undefined. */
  keyOf: (aaid: string, keyID: string) => RegisteredKey | undefined;
}

/**
 * A sign counter is acceptable when it increased, or when the authenticator does not count (both
 * the stored and the presented value are 0). §3.5.7.5: "If it is greater than 0, but didn't
 * increment" the authenticator may be cloned.
 */
export const signCounterAccepted = (stored: number, presented: number): boolean =>
  (stored === 0 && presented === 0) || presented > stored;

const registeredKeyObject = (registered: RegisteredKey) => {
  try {
    return createPublicKey({
      key: decodeBase64Url(registered.publicKey, 'publicKey'),
      format: 'der',
      type: 'spki',
    });
  } catch {
    throw new TypeError('keyOf returned a publicKey that is not a base64url SubjectPublicKeyInfo');
  }
};

/**
 * The transaction check of §3.5.7.5: with AuthenticationMode 0x02 the TAG_TRANSACTION_CONTENT_HASH
 * must be the SHA-256 of one of the transaction contents sent, as bytes (the ASM hashes the
 * base64url-decoded Transaction.content, UAF ASM API §3.7); a sent transaction requires mode 0x02.
 */
const assertTransaction = (mode: number, contentHash: Buffer, sent: { content: string }[]): void => {
  const confirmed = mode === AUTHENTICATION_MODE.TRANSACTION_CONFIRMED;
  if (sent.length === 0) {
    if (confirmed)
      throw new UafError('TRANSACTION_MISMATCH', 'a transaction was confirmed but none was sent');
    return;
  }
  if (!confirmed)
    throw new UafError(
      'TRANSACTION_MISMATCH',
      'a transaction was sent but not confirmed (AuthenticationMode 0x01)',
    );
  const matches = sent.some(({ content }) =>
    bytesEqual(
      createHash('sha256').update(decodeBase64Url(content, 'transaction.content')).digest(),
      contentHash,
    ),
  );
  if (!matches)
    throw new UafError(
      'TRANSACTION_MISMATCH',
      'TAG_TRANSACTION_CONTENT_HASH is not the hash of the transaction sent',
    );
};

const authenticationOf = (bytes: Buffer, finalChallengeHash: Buffer, expected: AuthenticationExpectation) => {
  const { signedData, signedBytes, signature } = parseAuthenticationAssertion(bytes);
  const keyID = signedData.keyID.toString('base64url');
  const registered = expected.keyOf(signedData.aaid, keyID);
  if (!registered)
    throw new UafError(
      'UNKNOWN_KEY',
      `no registered key ${keyID} of authenticator ${signedData.aaid} may answer`,
    );
  if (signedData.signatureAlgAndEncoding !== registered.signAlgorithm) {
    throw new UafError(
      'ALGORITHM_MISMATCH',
      `the assertion uses algorithm ${signedData.signatureAlgAndEncoding}, the key was registered with ${registered.signAlgorithm}`,
    );
  }
  const key = registeredKeyObject(registered);
  assertKeyFitsAlgorithm(key, registered.signAlgorithm);
  if (!verifyUafSignature(registered.signAlgorithm, key, signedBytes, signature)) {
    throw new UafError('SIGNATURE_INVALID', 'the signature over TAG_UAFV1_SIGNED_DATA does not verify');
  }
  if (!bytesEqual(signedData.finalChallengeHash, finalChallengeHash)) {
    throw new UafError('FINAL_CHALLENGE_MISMATCH', 'TAG_FINAL_CHALLENGE_HASH is not the SHA-256 of fcParams');
  }
  assertTransaction(
    signedData.authenticationMode,
    signedData.transactionContentHash,
    expected.transaction ?? [],
  );
  if (
    registered.signCounter !== undefined &&
    !signCounterAccepted(registered.signCounter, signedData.signCounter)
  ) {
    throw new UafError(
      'SIGN_COUNTER_NOT_INCREASED',
      `sign counter ${signedData.signCounter} after ${registered.signCounter}: the authenticator may be cloned`,
    );
  }
  const authentication: VerifiedAuthentication = {
    aaid: signedData.aaid,
    keyID,
    signCounter: signedData.signCounter,
    authenticationMode: signedData.authenticationMode,
    transactionConfirmed: signedData.authenticationMode === AUTHENTICATION_MODE.TRANSACTION_CONFIRMED,
    authenticatorVersion: signedData.authenticatorVersion,
  };
  return authentication;
};

/**
 * Verifies the JSON text of an AuthenticationResponse against the request it answers; returns the
 * reported FacetID and one verified assertion per authenticator, or throws a UafError naming the reason.
 */
export const verifyAuthenticationResponse = (
  responseText: string,
  expected: AuthenticationExpectation,
): { facetID: string; assertions: VerifiedAuthentication[] } => {
  const { finalChallenge, assertions } = openResponse(
    responseText,
    'Auth',
    authenticationResponseSchema,
    expected,
  );
  const verified = assertions.map((bytes) =>
    authenticationOf(bytes, finalChallenge.finalChallengeHash, expected),
  );
  assertDistinctKeys(verified);
  return { facetID: finalChallenge.facetID, assertions: verified };
};
