/**
 * Push delivery for appkey authentications: on an authentication start, the appkey service sends
 * `{ sessionId, storeName, rpId, uafRequest }` to each of the user's devices with the relying
 * party's PushNotificationPolicy.
 *
 * - IOS → APNs over HTTP/2: `POST /3/device/{token}` on api.push.apple.com (production) or
 *   api.sandbox.push.apple.com, or `endpoint`; headers `authorization: bearer <provider token>`
 *   (ES256 JWT, header {alg, kid: keyId}, claims {iss: teamId, iat}; reused 40 minutes),
 *   `apns-topic: bundleId`, `apns-push-type: alert`, `apns-expiration: now + ttlSeconds`,
 *   `apns-priority: 10`. Payload `{ aps: { alert: { title, body } }, sessionId, storeName, rpId, uafRequest }`.
 *   One HTTP/2 session per origin and team key, shared by the stores using that key.
 * - ANDROID → FCM HTTP v1: an access token from the OAuth 2.0 JWT-bearer grant (RS256 assertion
 *   {iss: clientEmail, scope: firebase.messaging, aud: tokenEndpoint, iat, exp: iat + 1 h}), cached
 *   until a minute before it expires; then `POST /v1/projects/{projectId}/messages:send` with
 *   `{ message: { token, data: {sessionId, storeName, rpId, uafRequest}, android: { ttl, priority: high },
 *   notification? } }` (a notification only when the message has a title or body).
 * - WEB → no provider: FAILED with provider NONE.
 *
 * Limits: APNs takes 4096 bytes of payload and FCM 4000; a message that does not fit is sent
 * without uafRequest (and `uafRequestOmitted: true`), and the app reads the request from the
 * authentication session. One `send` is bounded by `timeoutMs` for all its targets; it never
 * throws. Outcomes: SENT, UNREGISTERED (APNs 410 / Unregistered / BadDeviceToken / ExpiredToken,
 * FCM errorCode UNREGISTERED: the caller clears the device's token) or FAILED with a reason.
 * Keys, provider tokens and access tokens are never logged nor put in a reason.
 */
export type {
  ApnsCredentials,
  FcmCredentials,
  PushCredentials,
  PushLogger,
  PushMessage,
  PushOutcome,
  PushPlatform,
  PushProvider,
  PushSender,
  PushTarget,
} from './push-types';
export { createPushSender, type PushSenderOptions } from './push-sender';
export { PushRateLimiter } from './push-rate-limiter';
export { APNS_PAYLOAD_LIMIT_BYTES } from './apns';
export { FCM_PAYLOAD_LIMIT_BYTES } from './fcm';
