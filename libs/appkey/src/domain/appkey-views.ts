import type { AppkeyResource } from '@identity-store/contracts';
import { type AppkeyState, type AppkeyUserState, relyingPartyOf } from './appkey';

/** The user's appkeys, oldest first. */
const listAppkeys = (state: AppkeyUserState) =>
  Object.values(state.appkeys).sort((a, b) => a.createdDtm.localeCompare(b.createdDtm) || a.id.localeCompare(b.id));

/** The user's appkeys of a relying party (oldest first). */
export const appkeysOf = (state: AppkeyUserState, rpId: string): AppkeyState[] =>
  listAppkeys(state).filter((a) => a.rpId === rpId);

/** The appkey of a relying party with this UAF key id, if any. */
export const findByKeyId = (state: AppkeyUserState, rpId: string, keyId: string): AppkeyState | undefined =>
  Object.values(state.appkeys).find((a) => a.rpId === rpId && a.keyId === keyId);

/** The relying party's appkeys are locked at `now` after failed authentications. */
export const isLocked = (state: AppkeyUserState, rpId: string, now: Date): boolean => {
  const { lockedUntil } = relyingPartyOf(state, rpId);
  return lockedUntil !== null && Date.parse(lockedUntil) > now.getTime();
};

/**
 * The unique key of an appkey: its UAF key id is unique per store and relying party (across users
 * too: the event store's held keys refuse a second holder).
 */
export const keyIdKey = (storeId: string, rpId: string, keyId: string) => `${storeId}/${rpId}/${keyId}`;

export const keyIdKeysOf = (state: AppkeyUserState): string[] =>
  Object.values(state.appkeys).map((a) => keyIdKey(a.storeId, a.rpId, a.keyId));

/** The API representation. Never the public key or the push token. */
export const toAppkeyResource = (state: AppkeyUserState, appkey: AppkeyState, now: Date): AppkeyResource => {
  const device = state.devices[appkey.deviceId];
  const { preferredDevices } = relyingPartyOf(state, appkey.rpId);
  return {
    id: appkey.id,
    rpId: appkey.rpId,
    keyId: appkey.keyId,
    aaid: appkey.aaid,
    keyType: appkey.keyType,
    name: appkey.name,
    status: appkey.status,
    policyName: appkey.policyName,
    device: {
      deviceId: appkey.deviceId,
      name: device?.name ?? null,
      platform: device?.platform ?? 'WEB',
      pushEnabled: Boolean(device?.pushToken),
      preferred: preferredDevices.includes(appkey.deviceId),
    },
    attestationType: appkey.attestationType,
    signCounter: appkey.signCounter,
    locked: isLocked(state, appkey.rpId, now),
    createdDtm: appkey.createdDtm,
    lastUsedDtm: appkey.lastUsedDtm,
  };
};

/** All of the user's appkeys as API resources, oldest first. */
export const listAppkeyResources = (state: AppkeyUserState, now: Date): AppkeyResource[] =>
  listAppkeys(state).map((appkey) => toAppkeyResource(state, appkey, now));

/**
 * Where an authentication of the relying party is pushed: the preferred devices in order, else every
 * device holding one of the allowed keys; only devices with a push token.
 */
export const pushTargetsOf = (state: AppkeyUserState, rpId: string, allowedKeyIds: string[]) => {
  const holders = [...new Set(appkeysOf(state, rpId).filter((a) => allowedKeyIds.includes(a.keyId)).map((a) => a.deviceId))];
  const preferred = relyingPartyOf(state, rpId).preferredDevices.filter((d) => holders.includes(d));
  return (preferred.length ? preferred : holders).flatMap((deviceId) => {
    const device = state.devices[deviceId];
    return device?.pushToken ? [{ deviceId, platform: device.platform, pushToken: device.pushToken }] : [];
  });
};
