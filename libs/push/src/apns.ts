import http2 from 'node:http2';
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
import type { ApnsCredentials, PushMessage } from './push-types';

const APNS_HOST = { production: 'https://api.push.apple.com', sandbox: 'https://api.sandbox.push.apple.com' };

/**
 * Apple refuses provider tokens older than one hour and answers TooManyProviderTokenUpdates to
 * tokens renewed more often than every 20 minutes: each is reused for 40.
 */
const PROVIDER_TOKEN_REUSE_MS = 40 * 60_000;

/** APNs' limit of an alert notification's payload. */
export const APNS_PAYLOAD_LIMIT_BYTES = 4096;

/** Reasons after which the token will never work again (Apple's 410, or a token APNs cannot parse). */
const UNREGISTERED_REASONS = new Set(['Unregistered', 'BadDeviceToken', 'ExpiredToken']);
/** Reasons that condemn the provider token itself: the next send signs a new one. */
const PROVIDER_TOKEN_REASONS = new Set(['ExpiredProviderToken', 'InvalidProviderToken']);

const apnsErrorBody = z.object({ reason: z.string() });

const DEFAULT_APNS_TITLE = 'Sign-in request';

/** The APNs payload: the alert, and the message's fields next to `aps` (uafRequest only when it fits). */
const apnsPayload = (message: PushMessage) =>
  fitPayload(APNS_PAYLOAD_LIMIT_BYTES, message.uafRequest, (uafRequest) => ({
    aps: {
      alert: {
        title: message.title ?? DEFAULT_APNS_TITLE,
        body: message.body ?? `Confirm the sign-in to ${message.rpId}`,
      },
    },
    sessionId: message.sessionId,
    storeName: message.storeName,
    rpId: message.rpId,
    ...(uafRequest === undefined ? { uafRequestOmitted: true } : { uafRequest }),
  }));

interface Http2Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

/**
 * APNs over HTTP/2 with token-based authentication: one provider token per signing key, and one
 * session per origin and team key, reused by every send with that key (Apple documents a
 * connection as carrying the tokens of one key, so stores with other keys get their own).
 */
export class ApnsClient {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly providerTokens: ExpiringCache<string>;

  constructor(private readonly options: { ca: string[] | undefined; now: () => number }) {
    this.providerTokens = new ExpiringCache(options.now);
  }

  async deliver(
    credentials: ApnsCredentials,
    ttlSeconds: number,
    deviceToken: string,
    message: PushMessage,
    signal: AbortSignal,
  ): Promise<Delivery> {
    const origin = httpsUrl(
      credentials.endpoint ?? APNS_HOST[credentials.production ? 'production' : 'sandbox'],
      'APNs endpoint',
    ).origin;
    const payload = apnsPayload(message);
    if (payload === undefined)
      throw new DeliveryError(`payload exceeds APNs' ${APNS_PAYLOAD_LIMIT_BYTES} bytes`);
    const tokenKey = `${credentials.teamId}:${credentials.keyId}:${keyFingerprint(credentials.privateKey)}`;
    const providerToken = await this.providerTokens.get(tokenKey, () => this.signProviderToken(credentials));
    const answer = await this.post(
      this.session(origin, `${origin} ${credentials.teamId}:${credentials.keyId}`),
      {
        ':method': 'POST',
        ':path': `/3/device/${encodeURIComponent(deviceToken)}`,
        authorization: `bearer ${providerToken}`,
        'apns-topic': credentials.bundleId,
        'apns-push-type': 'alert',
        'apns-expiration': String(Math.floor(this.options.now() / 1000) + ttlSeconds),
        'apns-priority': '10',
        'content-type': 'application/json',
      },
      JSON.stringify(payload),
      signal,
    );
    if (answer.status === 200) return { status: 'SENT', messageId: headerText(answer.headers['apns-id']) };
    const reason = parseJson(answer.body, apnsErrorBody)?.reason;
    if (answer.status === 410 || (reason && UNREGISTERED_REASONS.has(reason)))
      return { status: 'UNREGISTERED' };
    if (reason && PROVIDER_TOKEN_REASONS.has(reason))
      await this.providerTokens.forget(tokenKey, providerToken);
    return { status: 'FAILED', reason: `APNs answered ${answer.status}${reason ? ` ${reason}` : ''}` };
  }

  async close(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(
      sessions.map(
        (session) =>
          new Promise<void>((resolve) => (session.closed ? resolve() : session.close(() => resolve()))),
      ),
    );
  }

  private async signProviderToken(credentials: ApnsCredentials) {
    const key = await importPKCS8(credentials.privateKey, 'ES256').catch(() => {
      throw new DeliveryError('APNs privateKey is not a PKCS#8 P-256 key');
    });
    const issuedAt = this.options.now();
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: credentials.keyId })
      .setIssuer(credentials.teamId)
      .setIssuedAt(Math.floor(issuedAt / 1000))
      .sign(key);
    return { value, expiresAt: issuedAt + PROVIDER_TOKEN_REUSE_MS };
  }

  /** The open session under `key`, or a new one to `origin` (unreferenced: an idle session keeps no process alive). */
  private session(origin: string, key: string): http2.ClientHttp2Session {
    const open = this.sessions.get(key);
    if (open && !open.closed && !open.destroyed) return open;
    const session = http2.connect(origin, this.options.ca ? { ca: this.options.ca } : {});
    const forget = () => this.sessions.get(key) === session && this.sessions.delete(key);
    // A connection error reaches the pending streams; the session is just not reused.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    session.unref();
    this.sessions.set(key, session);
    return session;
  }

  private post(
    session: http2.ClientHttp2Session,
    headers: http2.OutgoingHttpHeaders,
    body: string,
    signal: AbortSignal,
  ): Promise<Http2Answer> {
    return new Promise<Http2Answer>((resolve, reject) => {
      const stream = session.request(headers, { signal });
      let status = 0;
      let answerHeaders: http2.IncomingHttpHeaders = {};
      let text = '';
      stream.setEncoding('utf8');
      stream.on('response', (received) => {
        answerHeaders = received;
        status = Number(received[':status']);
      });
      stream.on('data', (chunk: string) => (text += chunk));
      stream.on('end', () => resolve({ status, headers: answerHeaders, body: text }));
      // Closed without an answer (reset by the server, session gone): settles nothing once answered.
      stream.on('close', () => reject(new DeliveryError(`APNs closed the stream (code ${stream.rstCode})`)));
      stream.on('error', (error) => {
        // A session that never connected within the time is dropped, so the next send dials again.
        if (signal.aborted && session.connecting) session.destroy();
        reject(error);
      });
      stream.end(body);
    });
  }
}

const headerText = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
