import { defineOperations, STORES_PATH as S, USER_PATH as U } from '../api/operation-table';

/** Device-bound app keys: part of the contract, answered 501 until the appkey service lands. */
export const appkeyOperations = defineOperations({
  startAppkeyRegistration: {
    method: 'POST', path: `${S}/{storeName}/appkeys/registrations`, service: 'appkey', summary: 'Start an appkey registration',
    implemented: false,
  },
  completeAppkeyRegistration: {
    method: 'POST', path: `${S}/{storeName}/appkeys/registrations/sessions/{sessionId}`, service: 'appkey',
    summary: 'Complete an appkey registration', implemented: false,
  },
  startAppkeyAuthentication: {
    method: 'POST', path: `${S}/{storeName}/appkeys/authentications`, service: 'appkey', summary: 'Start an appkey authentication',
    implemented: false,
  },
  completeAppkeyAuthentication: {
    method: 'POST', path: `${S}/{storeName}/appkeys/authentications/sessions/{sessionId}`, service: 'appkey',
    summary: 'Complete an appkey authentication', implemented: false,
  },
  deregisterAppkeys: {
    method: 'POST', path: `${U}/appkeys/relyingParties/{rpId}/deregistrations`, service: 'appkey',
    summary: 'Deregister appkeys of a relying party', implemented: false,
  },
  setPreferredDevices: {
    method: 'POST', path: `${U}/appkeys/relyingParties/{rpId}/preferredDevices`, service: 'appkey',
    summary: 'Set preferred devices', implemented: false,
  },
  clearPreferredDevices: {
    method: 'DELETE', path: `${U}/appkeys/relyingParties/{rpId}/preferredDevices`, service: 'appkey',
    summary: 'Clear preferred devices', implemented: false,
  },
  removePreferredDevice: {
    method: 'DELETE', path: `${U}/appkeys/relyingParties/{rpId}/preferredDevice/{deviceId}`, service: 'appkey',
    summary: 'Remove a preferred device', implemented: false,
  },
  deleteAppkeyByKeyId: {
    method: 'DELETE', path: `${U}/appkeys/relyingParties/{rpId}/registrations/keyIds/{keyId}`, service: 'appkey',
    summary: 'Delete an appkey by key id', implemented: false,
  },
  getAppkeyRegistrationAudit: {
    method: 'GET', path: `${U}/appkeys/{id}/registrationAudit`, service: 'appkey',
    summary: 'Get the registration audit of an appkey', implemented: false,
  },
});
