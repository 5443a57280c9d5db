import type { PasskeyResource } from '@identity-store/contracts';
import type { PasskeyState, PasskeyUserState } from './passkey';

/** The user's passkeys, oldest first. */
const listPasskeys = (state: PasskeyUserState) =>
  Object.values(state.passkeys).sort(
    (a, b) => a.createdDtm.localeCompare(b.createdDtm) || a.id.localeCompare(b.id),
  );

/** The passkey of a relying party with this credential id, if any. */
export const findByCredential = (
  state: PasskeyUserState,
  rpId: string,
  credentialId: string,
): PasskeyState | undefined =>
  Object.values(state.passkeys).find((p) => p.rpId === rpId && p.credentialId === credentialId);

/** The user's passkeys of a relying party (oldest first), e.g. for excludeCredentials. */
export const passkeysOf = (state: PasskeyUserState, rpId: string): PasskeyState[] =>
  listPasskeys(state).filter((p) => p.rpId === rpId);

/**
 * The unique key of a credential: its id is unique per store and relying party. The key names the
 * stream of the user whose passkey it is, which is how a usernameless authentication finds the user.
 */
export const credentialKey = (storeId: string, rpId: string, credentialId: string) =>
  `${storeId}/${rpId}/${credentialId}`;

export const credentialKeysOf = (state: PasskeyUserState): string[] =>
  Object.values(state.passkeys).map((p) => credentialKey(p.storeId, p.rpId, p.credentialId));

/** The API representation. Never the public key. */
export const toPasskeyResource = ({
  storeId: _s,
  publicKey: _k,
  ...passkey
}: PasskeyState): PasskeyResource => ({
  ...passkey,
  transports: [...passkey.transports],
});

/** All of the user's passkeys as API resources, oldest first. */
export const listPasskeyResources = (state: PasskeyUserState): PasskeyResource[] =>
  listPasskeys(state).map(toPasskeyResource);
