/**
 * Facet identifiers ("FIDO AppID and Facet Specification v1.1" §3.1): an https Web Origin
 * (`https://login.example.com`, §3.1.1) or an application identity such as
 * `android:apk-key-hash:<base64 SHA-1 of the signing certificate>` or `ios:bundle-id:<bundle id>`.
 */
import { UAF_PROTOCOL_VERSION } from './uaf-constants';

/** The origin of an https facet: scheme, host and port, with an optional trailing "/" (§3.1.2), else undefined. */
const httpsOrigin = (facetId: string): string | undefined => {
  if (!/^https:\/\/[^/?#@]+\/?$/i.test(facetId)) return undefined;
  try {
    return new URL(facetId).origin;
  } catch {
    return undefined;
  }
};

/**
 * Whether `facetId` may be listed as a trusted facet (§3.1.2): an https Web Origin without path,
 * query, fragment or credentials, or the URI of an application identity (any other scheme but http).
 */
export const isValidFacetId = (facetId: string): boolean =>
  /^https:/i.test(facetId)
    ? httpsOrigin(facetId) !== undefined
    : /^[a-z][a-z0-9+.-]*:\S+$/i.test(facetId) && !/^http:/i.test(facetId);

/**
 * Whether the FacetID a client reported is the trusted facet `trusted`: Web Origins compare as
 * origins (host case and the default port 443 do not matter, a trailing "/" neither); every
 * other facet compares exactly.
 */
export const sameFacet = (trusted: string, reported: string): boolean => {
  const trustedOrigin = httpsOrigin(trusted);
  return trustedOrigin !== undefined ? trustedOrigin === httpsOrigin(reported) : trusted === reported;
};

export interface TrustedFacetsDocument {
  trustedFacets: { version: { major: 1; minor: 1 }; ids: string[] }[];
}

/**
 * The TrustedFacets JSON (§3.1.3) served at the AppID URL, with media type
 * "application/fido.trusted-apps+json", for the protocol version this server speaks.
 * Throws a TypeError for an id isValidFacetId refuses (a server configuration error).
 */
export const trustedFacetsDocument = (facetIds: string[]): TrustedFacetsDocument => {
  const invalid = facetIds.filter((id) => !isValidFacetId(id));
  if (invalid.length > 0) throw new TypeError(`not facet identifiers: ${invalid.join(', ')}`);
  return { trustedFacets: [{ version: { ...UAF_PROTOCOL_VERSION }, ids: [...facetIds] }] };
};
