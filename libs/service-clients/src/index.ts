import { HttpProblem, UNAVAILABLE_RETRY_AFTER_SECONDS } from '@identity-store/http-kit';
import {
  emptySummaryInfo,
  type EncryptedPushCredentials,
  encryptedPushCredentialsSchema,
  notFound,
  type Store,
  type SummaryInfo,
  summaryInfoAt,
  type User,
  type UserRecord,
} from '@identity-store/contracts';
import {
  type ConsistencyGate,
  encodeConsistencyToken,
  type InternalTokenIssuer,
  markSummaryStale,
  type StreamPosition,
} from '@identity-store/http-kit';

export type { StreamPosition } from '@identity-store/http-kit';

/** A user named by internal id or by external id (the `/ext` twins of every user operation). */
export type UserRef = { userId: string } | { extId: string };

/** What other services ask the identity service. */
export interface IdentityQueries {
  getStoreByName(storeName: string): Promise<Store | null>;
  getUser(storeId: string, ref: UserRef): Promise<UserRecord | null>;
}

export type { EncryptedPushCredentials } from '@identity-store/contracts';

/**
 * What the appkey service asks the identity service for a push: a push notification policy's
 * credentials with the private keys as SecretBox ciphertext (it decrypts them itself, with the
 * associated data `pushCredentialContext(storeId, rpId, provider)`); null when the store has no
 * policy for the rpId.
 */
export interface PushCredentialQueries {
  getPushCredentials(storeId: string, rpId: string): Promise<EncryptedPushCredentials | null>;
}

/** summaryInfo as the audit projection has it, and how far into one of the user's streams that is. */
export interface ProjectedSummary {
  summaryInfo: SummaryInfo;
  /** The last version of the stream asked about that summaryInfo includes (0: none). */
  streamVersion: number;
}

/**
 * What other services ask the audit service. Nothing here waits for the projection except
 * `awaitApplied` (reads that carry a Consistency-Token).
 */
export interface SummaryQueries extends ConsistencyGate {
  /** The user's summaryInfo as projected now. */
  getSummary(userId: string): Promise<SummaryInfo>;
  /**
   * The user's summaryInfo and the version of `streamId` it includes, read together (one
   * snapshot): a write folds its own stream's later events into it (see UserCredentialStreams).
   */
  getProjectedSummary(userId: string, streamId: string): Promise<ProjectedSummary>;
}

export const userRefOf = (params: { userId?: string; extId?: string }): UserRef =>
  params.extId !== undefined ? { extId: params.extId } : { userId: params.userId ?? '' };

/** Looks up store and user of a user-scoped request; unknown ones are 404 (a user of another store too). */
export const resolveStoreAndUser = async (
  identity: IdentityQueries,
  storeName: string,
  ref: UserRef,
): Promise<{ store: Store; user: UserRecord }> => {
  const store = await identity.getStoreByName(storeName);
  if (!store) throw notFound('STORE_NOT_FOUND', `Store ${storeName} does not exist.`);
  const user = await identity.getUser(store.id, ref);
  if (!user)
    throw notFound('USER_NOT_FOUND', `User ${'extId' in ref ? ref.extId : ref.userId} does not exist in store ${storeName}.`);
  return { store, user };
};

/** The user as the API shows them at `now`: with summaryInfo as read then (locks that ran out show ACTIVE). */
export const toUserView = ({ storeId: _storeId, ...user }: UserRecord, summaryInfo: SummaryInfo, now: Date): User => ({
  ...user,
  summaryInfo: summaryInfoAt(summaryInfo, now),
});

/**
 * A path segment of an internal URL, or undefined for `.` and `..`: URL parsing resolves those
 * (percent-encoded too: `%2E%2E` is a dot segment for WHATWG URL), so `/users/..` would reach the
 * store. No resource has such a name here (public routes refuse them with 400): such a lookup finds
 * nothing, without a request.
 */
const segment = (value: string): string | undefined =>
  value === '.' || value === '..' ? undefined : encodeURIComponent(value);

/** How a service calls another one's `/internal/*` endpoints. */
export interface InternalCallOptions {
  /** Mints the service token of each call (INTERNAL_TOKEN_KEY). */
  tokens: InternalTokenIssuer;
  /** Bound of one lookup, default 5 000 ms. */
  timeoutMs?: number;
}

const DEFAULT_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * A GET of another service's `/internal/*`. When the service cannot be reached, does not answer in
 * time, or answers 503 itself, the request is answered 503 with Retry-After instead of 500 (an
 * HttpProblem): a lookup made before a decision changed nothing, and a summary after a committed
 * write is caught by `summaryOrStale` anyway.
 */
const internalGet = async (
  service: string,
  url: string,
  options: InternalCallOptions,
  timeoutMs = options.timeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS,
): Promise<Response | null> => {
  const unavailable = (detail: string) =>
    new HttpProblem(503, 'SERVICE_UNAVAILABLE', `The ${service} service ${detail}.`, undefined, {
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
    });
  const authorization = `Bearer ${await options.tokens.tokenFor(service)}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', authorization },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    // Refused or reset (down, restarting), or no answer in time (hung).
    const timedOut = (error as Error).name === 'TimeoutError';
    throw unavailable(timedOut ? `did not answer within ${timeoutMs} ms (timeout)` : 'cannot be reached');
  }
  if (response.status === 503) {
    await response.body?.cancel();
    throw unavailable('is unavailable for the moment');
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`GET ${new URL(url).pathname} answered ${response.status}`);
  }
  return response;
};

/** IdentityQueries over HTTP (distributed layout). */
export class HttpIdentityQueries implements IdentityQueries {
  constructor(
    private readonly baseUrl: string,
    private readonly options: InternalCallOptions,
  ) {}

  private async get<T>(path: string): Promise<T | null> {
    const response = await internalGet('identity', `${this.baseUrl}${path}`, this.options);
    return response ? ((await response.json()) as T) : null;
  }

  getStoreByName(storeName: string): Promise<Store | null> {
    const name = segment(storeName);
    return name === undefined ? Promise.resolve(null) : this.get<Store>(`/internal/stores/${name}`);
  }

  getUser(storeId: string, ref: UserRef): Promise<UserRecord | null> {
    const store = segment(storeId);
    const user = segment('extId' in ref ? ref.extId : ref.userId);
    if (store === undefined || user === undefined) return Promise.resolve(null);
    const path = 'extId' in ref ? `ext/${user}` : user;
    return this.get<UserRecord>(`/internal/stores/${store}/users/${path}`);
  }
}

/** PushCredentialQueries over HTTP (distributed layout): the identity service's internal route. */
export class HttpPushCredentialQueries implements PushCredentialQueries {
  constructor(
    private readonly baseUrl: string,
    private readonly options: InternalCallOptions,
  ) {}

  async getPushCredentials(storeId: string, rpId: string): Promise<EncryptedPushCredentials | null> {
    const store = segment(storeId);
    const rp = segment(rpId);
    if (store === undefined || rp === undefined) return null;
    const path = `/internal/stores/${store}/pushCredentials/${rp}`;
    const response = await internalGet('identity', `${this.baseUrl}${path}`, this.options);
    // Another service's answer is input too: its shape is checked before anyone uses it.
    return response ? encryptedPushCredentialsSchema.parse(await response.json()) : null;
  }
}

/**
 * SummaryQueries over HTTP (distributed layout). `awaitApplied` may take the audit's wait bound
 * (`waitTimeoutMs`, CONSISTENCY_WAIT_MS) before it answers: that call's timeout is the bound plus a
 * margin.
 */
export class HttpSummaryQueries implements SummaryQueries {
  private static readonly MARGIN_MS = 3_000;

  constructor(
    private readonly baseUrl: string,
    private readonly options: InternalCallOptions & { waitTimeoutMs?: number },
  ) {}

  private async get<T>(path: string, timeoutMs?: number): Promise<T> {
    const response = await internalGet('audit', `${this.baseUrl}${path}`, this.options, timeoutMs);
    if (!response) throw new Error(`GET ${path} of the audit service answered 404`);
    return (await response.json()) as T;
  }

  async getSummary(userId: string): Promise<SummaryInfo> {
    const user = segment(userId);
    return user === undefined ? emptySummaryInfo() : this.get<SummaryInfo>(`/internal/summaries/${user}`);
  }

  async getProjectedSummary(userId: string, streamId: string): Promise<ProjectedSummary> {
    const user = segment(userId);
    if (user === undefined) return { summaryInfo: emptySummaryInfo(), streamVersion: 0 };
    return this.get<ProjectedSummary>(`/internal/summaries/${user}/projected?stream=${encodeURIComponent(streamId)}`);
  }

  async awaitApplied(positions: StreamPosition[]): Promise<boolean> {
    if (positions.length === 0) return true;
    const token = encodeURIComponent(encodeConsistencyToken(positions));
    const timeoutMs = (this.options.waitTimeoutMs ?? 2_000) + HttpSummaryQueries.MARGIN_MS;
    return (await this.get<{ applied: boolean }>(`/internal/progress?token=${token}`, timeoutMs)).applied;
  }
}

/**
 * The user's summary for an answer after a committed write, or — when the audit service fails or
 * does not answer in time — an empty one, the answer marked `Summary-Status: stale`: the write
 * happened, so the request must not turn into a 500 (a client would retry a consumed code).
 */
export const summaryOrStale = async (summaries: SummaryQueries, userId: string): Promise<SummaryInfo> => {
  try {
    return await summaries.getSummary(userId);
  } catch (error) {
    markSummaryStale(error);
    return emptySummaryInfo();
  }
};
