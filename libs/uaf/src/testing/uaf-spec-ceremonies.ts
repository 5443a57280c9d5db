/**
 * Requests and expectations shared by the specs: one relying party, its facets, and the UafError
 * code an action throws. Spec support only: never imported by the library.
 */
import { buildAuthenticationRequest, buildRegistrationRequest, newChallenge } from '../uaf-requests';
import { UafError } from '../uaf-error';
import { type UafPolicy } from '../uaf-messages';

export const APP_ID =
  'https://rp.example.com/api/identity-store/public/stores/acme/appkeys/rp.example.com/facets';
export const FACET_ANDROID = 'android:apk-key-hash:2jmj7l5rSw0yVb_vlWAYkK_YBwk';
export const FACET_WEB = 'https://login.example.com';
export const FACET_IDS = [FACET_ANDROID, FACET_WEB];
export const NOW = new Date('2026-01-01T00:00:00Z');

/** Any authenticator of the algorithms this library verifies, UAFV1TLV. */
export const ANY_POLICY: UafPolicy = {
  accepted: [
    [
      {
        userVerification: 1023,
        authenticationAlgorithms: [1, 2, 3, 4, 5, 6, 8, 9],
        assertionSchemes: ['UAFV1TLV'],
      },
    ],
  ],
};

export const registrationCeremony = (policy: UafPolicy = ANY_POLICY) => {
  const request = {
    appID: APP_ID,
    serverData: `session-${newChallenge()}`,
    challenge: newChallenge(),
    username: 'user-1',
    policy,
  };
  return {
    requestText: buildRegistrationRequest(request),
    expected: {
      appID: APP_ID,
      serverData: request.serverData,
      challenge: request.challenge,
      facetIds: FACET_IDS,
      now: NOW,
      policy,
    },
  };
};

export const authenticationCeremony = (transaction?: { contentType: 'text/plain'; content: string }[]) => {
  const request = {
    appID: APP_ID,
    serverData: `session-${newChallenge()}`,
    challenge: newChallenge(),
    policy: ANY_POLICY,
    ...(transaction ? { transaction } : {}),
  };
  return {
    requestText: buildAuthenticationRequest(request),
    expected: {
      appID: APP_ID,
      serverData: request.serverData,
      challenge: request.challenge,
      facetIds: FACET_IDS,
      ...(transaction ? { transaction } : {}),
    },
  };
};

/** The code of the UafError `action` throws; fails the spec when it throws nothing or something else. */
export const uafErrorCode = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    if (error instanceof UafError) return error.code;
    throw error;
  }
  throw new Error('no UafError thrown');
};
