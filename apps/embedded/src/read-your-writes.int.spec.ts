import { randomUUID } from 'node:crypto';
import { AuditProjector, AuditSummaries } from '@identity-store/audit';
import {
  type Store,
  type SummaryInfo,
  summaryInfoAt,
  type TotpIntegrationEvent,
  totpIntegrationEvents,
  type UserRecord,
} from '@identity-store/contracts';
import { UserCredentialStreams } from '@identity-store/credential-kit';
import {
  createPrismaClient,
  OutboxRelay,
  outboxReplaySource,
  PostgresEventStore,
  type PrismaClient,
} from '@identity-store/event-store';
import { createLogger } from '@identity-store/http-kit';
import { InProcessTransport } from '@identity-store/messaging';
import { createTestDatabase, type TestDatabase } from '@identity-store/testing';
import fc from 'fast-check';

/**
 * Read-your-writes without waiting (issue 10): a write answers with summaryInfo folded from the last
 * projected summary plus its stream's events after it. Property: over random event sequences, with
 * the projection left behind for a random number of writes, the answer of the last write before the
 * projection catches up equals what the real audit projector (PostgreSQL) then shows (read at the
 * answer's time: a lock shows while it runs).
 */
describe('a write answers with the summaryInfo the projection will show once it has applied the write', () => {
  let totpDb: TestDatabase;
  let auditDb: TestDatabase;
  let totpPrisma: PrismaClient;
  let auditPrisma: PrismaClient;
  let transport: InProcessTransport;
  let projector: AuditProjector;
  let summaries: AuditSummaries;
  let relay: OutboxRelay;
  let streams: UserCredentialStreams<null, TotpIntegrationEvent>;
  const store: Store = { id: randomUUID(), name: 'ryw' } as Store;
  /** The answers' clock: amid the generated locks, so some still run (LOCKED) and some have run out. */
  const NOW = new Date(Date.UTC(2026, 10, 30) + 5_000 * 1000);
  /** What the projection holds, as a user's answer shows it at NOW. */
  const projectedAtNow = async (userId: string) => summaryInfoAt(await projector.summaryOf(userId), NOW);

  beforeAll(async () => {
    [totpDb, auditDb] = await Promise.all([createTestDatabase('ryw_totp'), createTestDatabase('ryw_audit')]);
    totpPrisma = createPrismaClient(totpDb.url);
    auditPrisma = createPrismaClient(auditDb.url);
    transport = new InProcessTransport();
    transport.addReplaySource(outboxReplaySource(totpPrisma, 'totp'));
    const logger = createLogger('ryw', 'silent');
    projector = new AuditProjector(auditPrisma, transport, logger, { consumerGroup: `ryw-${randomUUID()}`, fromBeginning: true });
    await projector.start();
    summaries = new AuditSummaries(projector, 10_000);
    relay = new OutboxRelay(totpPrisma, transport, { log: 'totp' }); // drained by the test, never started
    // A stream whose stored events are their integration form: any sequence of them can be appended.
    streams = new UserCredentialStreams(new PostgresEventStore(totpPrisma), { getStoreByName: async () => store, getUser: async () => null }, summaries, {
      streamId: (userId) => `totp-user-${userId}`,
      topic: 'identity-store.totp',
      initialState: () => null,
      evolve: (state) => state,
      toIntegration: (event) => ({ type: event.type, version: totpIntegrationEvents[event.type].version, data: event.data }),
      clock: () => NOW,
    });
  });
  afterAll(async () => {
    await projector?.stop();
    await transport?.close();
    await Promise.all([totpPrisma?.$disconnect(), auditPrisma?.$disconnect()]);
    await Promise.all([totpDb?.drop(), auditDb?.drop()]);
  });

  const credentialId = fc.constantFrom('c-1', 'c-2');
  const at = fc.integer({ min: 0, max: 10_000 }).map((s) => new Date(Date.UTC(2026, 10, 30) + s * 1000).toISOString());
  const totpEvent: fc.Arbitrary<TotpIntegrationEvent> = fc.oneof(
    fc.record({ credentialId, policyName: fc.constantFrom('default', 'other'), createdDtm: at }).map(
      (d): TotpIntegrationEvent => ({ type: 'TotpRegistrationStarted', data: { ...d, algorithm: 'SHA1', digits: 6, period: 30, window: 1 } }),
    ),
    fc.record({ credentialId, timeStep: fc.nat(), at }).map((data): TotpIntegrationEvent => ({ type: 'TotpRegistrationCompleted', data })),
    fc.record({ credentialId, authenticationId: fc.uuid(), timeStep: fc.nat(), at }).map(
      (data): TotpIntegrationEvent => ({ type: 'TotpAuthenticationSucceeded', data }),
    ),
    fc.record({ credentialId, authenticationId: fc.uuid(), reason: fc.constantFrom('INVALID_CODE', 'CODE_REPLAYED'), failedAttempts: fc.integer({ min: 1, max: 9 }), at }).map(
      (data): TotpIntegrationEvent => ({ type: 'TotpAuthenticationFailed', data }),
    ),
    fc.record({ credentialId, lockedUntil: at, at }).map((data): TotpIntegrationEvent => ({ type: 'TotpLocked', data })),
    fc.record({ credentialId, status: fc.constantFrom('ACTIVE', 'SUSPENDED'), at }).map(
      (data): TotpIntegrationEvent => ({ type: 'TotpStatusChanged', data }),
    ),
    fc.record({ credentialId, at, reason: fc.constantFrom('DEREGISTERED', 'DELETED') }).map(
      (data): TotpIntegrationEvent => ({ type: 'TotpDeregistered', data }),
    ),
  );
  /** One write (1–3 events), then whether the projection catches up before the next one. */
  const write = fc.record({ events: fc.array(totpEvent, { minLength: 1, maxLength: 3 }), catchUp: fc.boolean() });

  const catchUp = async (user: UserRecord, version: number) => {
    await relay.drain();
    expect(await summaries.awaitApplied([{ streamId: `totp-user-${user.id}`, streamVersion: version }])).toBe(true);
  };

  it('over random event sequences and projection lags', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 8 }), async (writes) => {
        const user = { id: randomUUID(), storeId: store.id } as UserRecord;
        let answered: SummaryInfo | undefined;
        let version = 0;
        for (const { events, catchUp: caughtUp } of writes) {
          const { events: appended } = await streams.decide(store, user, () => events, { metadata: { correlationId: randomUUID() } });
          answered = (await streams.userView(user, appended)).summaryInfo;
          version = appended.at(-1)!.streamVersion;
          if (caughtUp) {
            await catchUp(user, version);
            expect(await projectedAtNow(user.id)).toEqual(answered);
            checked++;
          }
        }
        await catchUp(user, version);
        expect(await projectedAtNow(user.id)).toEqual(answered);
        checked++;
      }),
      { numRuns: 40, seed: 20261130 },
    );
    expect(checked).toBeGreaterThanOrEqual(40);
  });

  it('answers the projected summary as is when the projection already has the write', async () => {
    const user = { id: randomUUID(), storeId: store.id } as UserRecord;
    const { events: appended } = await streams.decide(
      store,
      user,
      () => [{ type: 'TotpRegistrationStarted', data: { credentialId: 'c-1', policyName: 'default', algorithm: 'SHA1', digits: 6, period: 30, window: 1, createdDtm: new Date().toISOString() } }],
      { metadata: { correlationId: randomUUID() } },
    );
    await catchUp(user, 1);
    const projected = await projectedAtNow(user.id);
    expect(projected.totps.count).toBe(1);
    expect((await streams.userView(user, appended)).summaryInfo).toEqual(projected);
  });
});
