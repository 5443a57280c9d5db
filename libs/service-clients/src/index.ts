import {
  notFound,
  type Store,
  type SummaryInfo,
  type User,
  type UserRecord,
} from '@identity-store/contracts';

/** A user named by internal id or by external id (the `/ext` twins of every user operation). */
export type UserRef = { userId: string } | { extId: string };

/** "Wait until the projection has applied this stream version": the consistency token. */
export interface StreamPosition {
  streamId: string;
  streamVersion: number;
}

/** What other services ask the identity service. */
export interface IdentityQueries {
  getStoreByName(storeName: string): Promise<Store | null>;
  getUser(storeId: string, ref: UserRef): Promise<UserRecord | null>;
}

/** What other services ask the audit service. */
export interface SummaryQueries {
  /**
   * The user's summaryInfo once the projection has applied every given position (bounded wait:
   * after the timeout the latest state is returned).
   */
  getSummary(userId: string, waitFor?: StreamPosition[]): Promise<SummaryInfo>;
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

export const toUserView = ({ storeId: _storeId, ...user }: UserRecord, summaryInfo: SummaryInfo): User => ({
  ...user,
  summaryInfo,
});

const encodeSegment = encodeURIComponent;

const getJson = async <T>(url: string, headers: Record<string, string> = {}): Promise<T | null> => {
  const response = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
};

/** IdentityQueries over HTTP (distributed layout). */
export class HttpIdentityQueries implements IdentityQueries {
  constructor(private readonly baseUrl: string) {}

  getStoreByName(storeName: string): Promise<Store | null> {
    return getJson<Store>(`${this.baseUrl}/internal/stores/${encodeSegment(storeName)}`);
  }

  getUser(storeId: string, ref: UserRef): Promise<UserRecord | null> {
    const path = 'extId' in ref ? `ext/${encodeSegment(ref.extId)}` : encodeSegment(ref.userId);
    return getJson<UserRecord>(`${this.baseUrl}/internal/stores/${encodeSegment(storeId)}/users/${path}`);
  }
}

export const formatPositions = (positions: StreamPosition[]): string =>
  positions.map((p) => `${p.streamId}@${p.streamVersion}`).join(',');

export const parsePositions = (value: unknown): StreamPosition[] =>
  typeof value !== 'string' || value === ''
    ? []
    : value.split(',').flatMap((part) => {
        const at = part.lastIndexOf('@');
        const streamVersion = Number(part.slice(at + 1));
        return at > 0 && Number.isInteger(streamVersion) ? [{ streamId: part.slice(0, at), streamVersion }] : [];
      });

/** SummaryQueries over HTTP (distributed layout). */
export class HttpSummaryQueries implements SummaryQueries {
  constructor(private readonly baseUrl: string) {}

  async getSummary(userId: string, waitFor: StreamPosition[] = []): Promise<SummaryInfo> {
    const query = waitFor.length ? `?waitFor=${encodeURIComponent(formatPositions(waitFor))}` : '';
    const summary = await getJson<SummaryInfo>(`${this.baseUrl}/internal/summaries/${encodeSegment(userId)}${query}`);
    if (!summary) throw new Error(`no summary for user ${userId}`);
    return summary;
  }
}
