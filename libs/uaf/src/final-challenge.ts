/**
 * The final challenge (UAF Protocol §3.1.7, §3.4.6.5, §3.5.7.5): the client sends fcParams, the
 * base64url of the FinalChallengeParams JSON; the authenticator signs FinalChallengeHash, the hash
 * of that base64url text itself as sent (the ASM hashes AuthenticateIn/RegisterIn.finalChallenge,
 * UAF ASM API §3.6, §3.7). Every supported algorithm hashes with SHA-256.
 */
import { createHash } from 'node:crypto';
import { decodeBase64Url } from './base64url';
import { textEqual } from './constant-time';
import { sameFacet } from './facets';
import { finalChallengeParamsSchema, parseWithSchema } from './uaf-messages';
import { UafError } from './uaf-error';

export interface FinalChallengeExpectation {
  /** The appID of the request; empty when the request had none (the client then uses its FacetID). */
  appID: string;
  challenge: string;
  facetIds: string[];
}

export interface VerifiedFinalChallenge {
  facetID: string;
  /** SHA-256 of the fcParams text, which TAG_FINAL_CHALLENGE_HASH must equal. */
  finalChallengeHash: Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const finalChallengeParams = (fcParams: string) => {
  const json = (() => {
    try {
      return JSON.parse(utf8.decode(decodeBase64Url(fcParams, 'fcParams')));
    } catch (error) {
      if (error instanceof UafError) throw error;
      throw new UafError('MALFORMED_MESSAGE', 'fcParams is not the base64url of UTF-8 JSON');
    }
  })();
  return parseWithSchema(finalChallengeParamsSchema, json, 'fcParams');
};

/** Checks fcParams against the request it answers and returns the reported FacetID and the hash to compare. */
export const verifyFinalChallenge = (
  fcParams: string,
  expected: FinalChallengeExpectation,
): VerifiedFinalChallenge => {
  const params = finalChallengeParams(fcParams);
  // AppID and Facet §3.1.2: with no AppID in the request the client sets it to its FacetID.
  const expectedAppId = expected.appID === '' ? params.facetID : expected.appID;
  if (!textEqual(params.appID, expectedAppId)) {
    throw new UafError('APPID_MISMATCH', `fcParams.appID is not the request's appID ${expectedAppId}`);
  }
  if (!textEqual(params.challenge, expected.challenge)) {
    throw new UafError('CHALLENGE_MISMATCH', "fcParams.challenge is not the request's challenge");
  }
  if (!expected.facetIds.some((trusted) => sameFacet(trusted, params.facetID))) {
    throw new UafError('FACET_NOT_TRUSTED', `facet ${params.facetID} is not a trusted facet of the appID`);
  }
  return {
    facetID: params.facetID,
    finalChallengeHash: createHash('sha256').update(fcParams, 'utf8').digest(),
  };
};
