import https from 'node:https';
import { importPKCS8, SignJWT } from 'jose';
import { z } from 'zod';
import {
  type Delivery,
  DeliveryError,
  ExpiringCache,
  fitPayload,
  httpsUrl,
  keyFingerprint,
  parseJson,
} from './delivery';
import type { FcmCredentials, PushMessage } from './push-types';

const FCM_ENDPOINT = 'https://fcm.googleapis.com';
const GOOGLE_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token';
const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Google accepts assertions valid for at most an hour. */
const ASSERTION_LIFETIME_SECONDS = 3600;
/** An access token is renewed this long before it expires (clock skew, requests in flight). */
const ACCESS_TOKEN_MARGIN_MS = 60_000;

/** FCM's limit of a message's payload (data and notification). */
export const FCM_PAYLOAD_LIMIT_BYTES = 4000;

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const tokenRefusal = z.object({ error: z.string() });
const sendAnswer = z.object({ name: z.string() });
const sendRefusal = z.object({
  error: z.object({
    status: z.string().optional(),
    details: z.array(z.object({ errorCode: z.string().optional() }).passthrough()).optional(),
  }),
});

/** The FCM v1 message: data (strings only) for the app, a notification only when a title or body is given. */
const fcmMessage = (deviceToken: string, ttlSeconds: number, message: PushMessage) => {
  const notification =
    message.title !== undefined || message.body !== undefined
      ? { notification: { title: message.title, body: message.body } }
      : {};
  const payload = fitPayload(FCM_PAYLOAD_LIMIT_BYTES, message.uafRequest, (uafRequest) => ({
    data: {
      sessionId: message.sessionId,
      storeName: message.storeName,
      rpId: message.rpId,
      ...(uafRequest === undefined ? { uafRequestOmitted: 'true' } : { uafRequest }),
    },
    ...notification,
  }));
  if (payload === undefined)
    throw new DeliveryError(`payload exceeds FCM's ${FCM_PAYLOAD_LIMIT_BYTES} bytes`);
  return {
    message: { token: deviceToken, ...payload, android: { ttl: `${ttlSeconds}s`, priority: 'high' } },
  };
};

interface HttpsAnswer {
  status: number;
  body: string;
}

/**
 * FCM HTTP v1: an OAuth 2.0 access token from the JWT-bearer grant (RFC 7523) with the service
 * account's key, reused until shortly before it expires, then `messages:send` per device.
 */
export class FcmClient {
  private readonly agent: https.Agent;
  private readonly accessTokens: ExpiringCache<string>;

  constructor(private readonly options: { ca: string[] | undefined; now: () => number; timeoutMs: number }) {
    this.agent = new https.Agent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) });
    this.accessTokens = new ExpiringCache(options.now);
  }

  async deliver(
    credentials: FcmCredentials,
    ttlSeconds: number,
    deviceToken: string,
    message: PushMessage,
    signal: AbortSignal,
  ): Promise<Delivery> {
    const endpoint = httpsUrl(credentials.endpoint ?? FCM_ENDPOINT, 'FCM endpoint');
    const tokenEndpoint = httpsUrl(credentials.tokenEndpoint ?? GOOGLE_TOKEN_ENDPOINT, 'FCM tokenEndpoint');
    const body = JSON.stringify(fcmMessage(deviceToken, ttlSeconds, message));
    const tokenKey = `${tokenEndpoint.href} ${credentials.clientEmail} ${keyFingerprint(credentials.privateKey)}`;
    // The grant is shared by concurrent sends, so it has its own time bound rather than this send's.
    const accessToken = await this.accessTokens.get(tokenKey, () =>
      this.grantAccessToken(credentials, tokenEndpoint),
    );
    const answer = await this.post(
      new URL(
        `v1/projects/${encodeURIComponent(credentials.projectId)}/messages:send`,
        withTrailingSlash(endpoint),
      ),
      { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body,
      signal,
    );
    if (answer.status === 200) return { status: 'SENT', messageId: parseJson(answer.body, sendAnswer)?.name };
    const refusal = parseJson(answer.body, sendRefusal)?.error;
    if (refusal?.details?.some((detail) => detail.errorCode === 'UNREGISTERED'))
      return { status: 'UNREGISTERED' };
    if (answer.status === 401) await this.accessTokens.forget(tokenKey, accessToken);
    return {
      status: 'FAILED',
      reason: `FCM answered ${answer.status}${refusal?.status ? ` ${refusal.status}` : ''}`,
    };
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private async grantAccessToken(credentials: FcmCredentials, tokenEndpoint: URL) {
    const key = await importPKCS8(credentials.privateKey, 'RS256').catch(() => {
      throw new DeliveryError('FCM privateKey is not a PKCS#8 RSA key');
    });
    const issuedAt = Math.floor(this.options.now() / 1000);
    const assertion = await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(credentials.clientEmail)
      .setAudience(tokenEndpoint.href)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ASSERTION_LIFETIME_SECONDS)
      .sign(key);
    const answer = await this.post(
      tokenEndpoint,
      { 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
      AbortSignal.timeout(this.options.timeoutMs),
    );
    const granted = answer.status === 200 ? parseJson(answer.body, tokenAnswer) : undefined;
    if (!granted) {
      const error = parseJson(answer.body, tokenRefusal)?.error;
      throw new DeliveryError(`FCM token endpoint answered ${answer.status}${error ? ` ${error}` : ''}`);
    }
    return {
      value: granted.access_token,
      expiresAt: issuedAt * 1000 + granted.expires_in * 1000 - ACCESS_TOKEN_MARGIN_MS,
    };
  }

  private post(
    url: URL,
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<HttpsAnswer> {
    return new Promise<HttpsAnswer>((resolve, reject) => {
      const request = https.request(
        url,
        { method: 'POST', headers, agent: this.agent, signal },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
}

/** `new URL('v1/…', base)` keeps a base path (a stand-in mounted under a prefix) only with a trailing slash. */
const withTrailingSlash = (url: URL) => (url.href.endsWith('/') ? url.href : `${url.href}/`);
