import { createHash } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { z } from 'zod';

/** What an adapter reports for one device; the sender adds the device id and provider. */
export type Delivery =
  { status: 'SENT'; messageId?: string } | { status: 'FAILED'; reason: string } | { status: 'UNREGISTERED' };

/** A failure whose message is written here, so it is safe to report (never a key, token or body). */
export class DeliveryError extends Error {}

const codeOf = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/**
 * The reason reported for `error`: our own messages, or the network error's code (that of its
 * cause first: a stream cancelled because its connection failed names the connection's error).
 */
export const failureReason = (error: unknown): string => {
  if (error instanceof DeliveryError) return error.message;
  const code = codeOf((error as { cause?: unknown } | null)?.cause) ?? codeOf(error);
  return code ? `network error (${code})` : 'unexpected error';
};

/** Node's bundled roots plus the extra certificates (test stand-ins); undefined: the defaults. */
export const trustedCertificates = (extra: string[] | undefined): string[] | undefined =>
  extra?.length ? [...rootCertificates, ...extra] : undefined;

/** The URL of a provider, which must be https (credentials and tokens travel in its requests). */
export const httpsUrl = (value: string, what: string): URL => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DeliveryError(`${what} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new DeliveryError(`${what} must be an https URL`);
  return url;
};

/** Cache key part naming a private key without holding it. */
export const keyFingerprint = (pem: string) => createHash('sha256').update(pem).digest('base64url');

/**
 * The provider payload `build` makes, within `limitBytes` as JSON. When the whole message does not
 * fit, uafRequest is left out (`build(undefined)`): the app then reads it from the authentication
 * session named by sessionId. Undefined when even that does not fit.
 */
export const fitPayload = <T>(
  limitBytes: number,
  uafRequest: string,
  build: (uafRequest: string | undefined) => T,
): T | undefined =>
  [build(uafRequest), build(undefined)].find(
    (payload) => Buffer.byteLength(JSON.stringify(payload)) <= limitBytes,
  );

/** `text` parsed as JSON and checked by `schema`; undefined when it is neither. */
export const parseJson = <T>(text: string, schema: z.ZodType<T>): T | undefined => {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
export const untilAborted = <T>(promise: Promise<T>, signal: AbortSignal): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });

/** A value and when it stops being reused (epoch ms). */
export interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/**
 * Values made on demand and reused until they expire (provider tokens, access tokens). Concurrent
 * callers share one making; a failed making is not kept.
 */
export class ExpiringCache<T> {
  private readonly entries = new Map<string, { made: Promise<Expiring<T>>; expiresAt?: number }>();

  constructor(private readonly now: () => number) {}

  async get(key: string, make: () => Promise<Expiring<T>>): Promise<T> {
    const cached = this.entries.get(key);
    if (cached && (cached.expiresAt === undefined || cached.expiresAt > this.now()))
      return (await cached.made).value;
    const entry: { made: Promise<Expiring<T>>; expiresAt?: number } = { made: make() };
    this.entries.set(key, entry);
    entry.made.then(
      (made) => (entry.expiresAt = made.expiresAt),
      () => this.entries.get(key) === entry && this.entries.delete(key),
    );
    return (await entry.made).value;
  }

  /** Stops reusing `value` under `key` (the provider refused it); a newer value is kept. */
  async forget(key: string, value: T): Promise<void> {
    const cached = this.entries.get(key);
    if (
      cached &&
      (await cached.made.catch(() => undefined))?.value === value &&
      this.entries.get(key) === cached
    )
      this.entries.delete(key);
  }
}
