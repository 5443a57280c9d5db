import { randomUUID } from 'node:crypto';
import {
  emptySummaryInfo,
  passkeyConfigSchema,
  type Store,
  type UserRecord,
} from '@identity-store/contracts';
import { SessionSweeper } from '@identity-store/credential-kit';
import {
  createPrismaClient,
  ExpectedVersionConflictError,
  PostgresEventStore,
  type PrismaClient,
} from '@identity-store/event-store';
import { createLogger } from '@identity-store/http-kit';
import type { IdentityQueries, SummaryQueries } from '@identity-store/service-clients';
import { createTestDatabase, emptySummaries } from '@identity-store/testing';
import { PasskeyService } from './passkey-service';

/**
 * The session sweeper run by two instances of the passkey service at once, on one real PostgreSQL
 * database (review finding M8): every expired session is closed exactly once, every key released,
 * and neither instance fails — whichever appends second decides again on the fresh state and finds
 * nothing left to close.
 */

const RP_ID = 'example.com';
const AT = new Date('2026-11-30T10:00:00.000Z');
const store: Store = {
  id: 'store-1',
  name: 'acme',
  attributeSchema: null,
  passkeyConfigs: {
    [RP_ID]: passkeyConfigSchema.parse({
      rpId: RP_ID,
      rpName: 'Example',
      origins: ['https://login.example.com'],
      registrationPolicies: { default: {} },
      authenticationPolicies: { default: {} },
    }),
  },
  appkeyConfigs: {},
  totpPolicies: {},
  passcodePolicies: {},
  pushNotificationPolicies: {},
  biometricPolicy: null,
  createdDtm: AT.toISOString(),
  lastUpdatedDtm: AT.toISOString(),
};
const users: UserRecord[] = Array.from({ length: 6 }, (_, i) => ({
  id: `user-${i}`,
  storeId: store.id,
  extId: `user${i}`,
  status: 'ACTIVE',
  attributes: {},
  createdDtm: AT.toISOString(),
  lastUpdatedDtm: AT.toISOString(),
}));
const identity: IdentityQueries = {
  getStoreByName: async (name) => (name === store.name ? store : null),
  getUser: async (storeId, ref) =>
    users.find(
      (u) => u.storeId === storeId && ('userId' in ref ? u.id === ref.userId : u.extId === ref.extId),
    ) ?? null,
};
const summaries: SummaryQueries = emptySummaries;

describe('the session sweeper, two instances at once (PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const clients: PrismaClient[] = [];
  let now = AT.getTime();
  const clock = () => new Date(now);
  /**
   * An instance of the passkey service: its own pool and caches, and its own sweeper; `beforeAppend`
   * runs (once) before its next append, and `conflicts` counts the appends that lost a race.
   */
  const instance = () => {
    const prisma = createPrismaClient(db.url, { poolSize: 5 });
    clients.push(prisma);
    const eventStore = new PostgresEventStore(prisma);
    const hooks = { beforeAppend: undefined as (() => Promise<unknown>) | undefined, conflicts: 0 };
    const append = eventStore.appendToStream.bind(eventStore);
    eventStore.appendToStream = async (...args) => {
      const hook = hooks.beforeAppend;
      hooks.beforeAppend = undefined;
      await hook?.();
      try {
        return await append(...args);
      } catch (error) {
        if (error instanceof ExpectedVersionConflictError) hooks.conflicts++;
        throw error;
      }
    };
    const service = new PasskeyService(eventStore, identity, summaries, clock);
    const problems: unknown[] = [];
    const logger = createLogger('sweeper-test', 'silent');
    logger.warn = ((details: unknown) => void problems.push(details)) as typeof logger.warn;
    logger.error = ((details: unknown) => void problems.push(details)) as typeof logger.error;
    const sweeper = new SessionSweeper({ intervalMs: 3_600_000, batchSize: 4 }, logger);
    sweeper.add(service.sessions);
    return { service, sweeper, problems, hooks };
  };
  const meta = () => ({ correlationId: randomUUID() });
  const keys = () =>
    db.query<{ stream_id: string }>(`SELECT stream_id FROM unique_keys WHERE scope = 'passkey-session'`);
  /** Every session closed by an expiry, with the stream that closed it (a session closed twice appears twice). */
  const closedSessions = () =>
    db.query<{ stream_id: string; session_id: string }>(
      `SELECT stream_id, s->>'sessionId' AS session_id
       FROM events, jsonb_array_elements(data->'sessions') AS s WHERE type = 'PasskeySessionsExpired'`,
    );
  const closedOnce = (closed: Array<{ session_id: string }>) =>
    new Set(closed.map((row) => row.session_id)).size === closed.length;

  beforeAll(async () => {
    db = await createTestDatabase('session_sweeper');
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.$disconnect()));
    await db.drop();
  });

  it('closes every expired session once, releases every key, and neither instance fails', async () => {
    const [a, b] = [instance(), instance()];
    // Through both instances: usernameless starts (a stream each) and users' registrations.
    for (let i = 0; i < 12; i++)
      await [a, b][i % 2]!.service.startUsernamelessAuthentication({ storeName: store.name, rpId: RP_ID, policyName: 'default' }, meta());
    for (const user of users)
      for (let i = 0; i < 3; i++)
        await [a, b][i % 2]!.service.startRegistration(
          { storeName: store.name, ref: { userId: user.id }, rpId: RP_ID, policyName: 'default' },
          meta(),
        );
    expect(await keys()).toHaveLength(12 + users.length * 3);

    now += 10 * 60_000;
    // Each instance has every stream cached as it wrote it: both decide, one of each pair conflicts.
    const [sweptByA, sweptByB] = await Promise.all([a.sweeper.sweep(), b.sweeper.sweep()]);
    expect(sweptByA + sweptByB).toBe(12 + users.length);
    expect(await keys()).toEqual([]);
    const closed = await closedSessions();
    expect(closed).toHaveLength(12 + users.length * 3);
    expect(closedOnce(closed)).toBe(true);
    const events = await db.query(`SELECT 1 FROM events WHERE type = 'PasskeySessionsExpired'`);
    expect(events).toHaveLength(12 + users.length);
    const published = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE value::jsonb->>'type' = 'PasskeySessionsExpired'`,
    );
    expect(published[0]!.n).toBe(12 + users.length);
    expect([...a.problems, ...b.problems]).toEqual([]);

    // Swept: nothing left for either, and a user's sessions are gone from the state.
    expect(await Promise.all([a.sweeper.sweep(), b.sweeper.sweep()])).toEqual([0, 0]);
    const { state } = await b.service.state(store.name, { userId: users[0]!.id });
    expect(state.sessions).toEqual({});
  });

  it('an instance whose append loses the race to the other decides again and closes nothing twice', async () => {
    const [a, b] = [instance(), instance()];
    const before = (await closedSessions()).length;
    const started = await b.service.startRegistration(
      { storeName: store.name, ref: { userId: users[1]!.id }, rpId: RP_ID, policyName: 'default' },
      meta(),
    );
    for (let i = 0; i < 3; i++)
      await b.service.startUsernamelessAuthentication({ storeName: store.name, rpId: RP_ID, policyName: 'default' }, meta());
    now += 10 * 60_000;
    // B has found the expired keys and decided on its first stream; A sweeps everything before B appends.
    b.hooks.beforeAppend = () => a.sweeper.sweep();
    expect(await b.sweeper.sweep()).toBe(0);
    expect(b.hooks.conflicts).toBe(1);
    expect(await keys()).toEqual([]);
    const closed = await closedSessions();
    expect(closed.length - before).toBe(4);
    expect(closedOnce(closed)).toBe(true);
    expect([...a.problems, ...b.problems]).toEqual([]);
    const { state } = await a.service.state(store.name, { userId: users[1]!.id });
    expect(state.sessions[started.sessionId]).toBeUndefined();
  });
});
