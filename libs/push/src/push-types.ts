/** What a device is told when an appkey authentication starts. */
export interface PushMessage {
  sessionId: string;
  storeName: string;
  rpId: string;
  /** The UAF authentication request (JSON text); left out when it does not fit the provider's limit. */
  uafRequest: string;
  /** Shown by the device; APNs alerts get a default, FCM sends a notification only when one is given. */
  title?: string;
  body?: string;
}

export type PushPlatform = 'IOS' | 'ANDROID' | 'WEB';

export interface PushTarget {
  deviceId: string;
  platform: PushPlatform;
  pushToken: string;
}

export interface ApnsCredentials {
  teamId: string;
  keyId: string;
  /** The .p8 key Apple issued: PKCS#8 PEM of a P-256 key. */
  privateKey: string;
  bundleId: string;
  production: boolean;
  /** Replaces Apple's host (https only), e.g. a local stand-in. */
  endpoint?: string;
}

export interface FcmCredentials {
  projectId: string;
  /** The service account's client_email. */
  clientEmail: string;
  /** The service account's private_key: PKCS#8 PEM of an RSA key. */
  privateKey: string;
  /** Replaces https://fcm.googleapis.com (https only). */
  endpoint?: string;
  /** Replaces https://oauth2.googleapis.com/token (https only); it is also the assertion's audience. */
  tokenEndpoint?: string;
}

/** A relying party's push configuration (PushNotificationPolicy without its rpId). */
export interface PushCredentials {
  /** How long the provider keeps an undelivered message (APNs apns-expiration, FCM android.ttl). */
  ttlSeconds: number;
  apns?: ApnsCredentials;
  fcm?: FcmCredentials;
}

export type PushProvider = 'APNS' | 'FCM';

/**
 * One target's result. SENT: the provider accepted the message (`messageId`: apns-id or the FCM
 * message name). UNREGISTERED: the provider says the token is no longer valid, so the caller clears
 * it. FAILED: anything else, with a reason that never holds a secret.
 */
export type PushOutcome =
  | { deviceId: string; provider: PushProvider; status: 'SENT'; messageId?: string }
  | { deviceId: string; provider: PushProvider | 'NONE'; status: 'FAILED'; reason: string }
  | { deviceId: string; provider: PushProvider; status: 'UNREGISTERED' };

export interface PushSender {
  /** One outcome per target, in the targets' order; never throws; bounded by the sender's timeout. */
  send(credentials: PushCredentials, targets: PushTarget[], message: PushMessage): Promise<PushOutcome[]>;
}

/** Structured logger (pino's signature: object first, message second). */
export interface PushLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
