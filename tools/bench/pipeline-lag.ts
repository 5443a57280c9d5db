/**
 * Projection lag at a fixed write rate: `npx tsx tools/bench/pipeline-lag.ts`.
 *
 * Starts the embedded system on databases of its own, registers TOTP credentials for many users,
 * then appends TOTP authentications through the TOTP service's event store (as its command
 * handler does: one event and its outbox row per append) at a constant rate, and prints the
 * append → summaryInfo lag histogram the audit projector recorded meanwhile. No HTTP: the load is
 * the pipeline's (outbox relay → transport → audit projector), not the request path's.
 *
 * PIPELINE_RATE (events/s, default 1000), PIPELINE_SECONDS (default 20), PIPELINE_LAYOUT
 * (in-process | kafka; Kafka at KAFKA_BROKERS, default 127.0.0.1:19092).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { integrationMessage, type PostgresEventStore } from '@identity-store/event-store';
import { createLogger } from '@identity-store/http-kit';
import { createTestDatabases, uniqueName } from '@identity-store/testing';
import { startSystem, SYSTEM_SERVICES } from '../../apps/embedded/src/system';

const RATE = Number(process.env.PIPELINE_RATE ?? 1000);
const SECONDS = Number(process.env.PIPELINE_SECONDS ?? 20);
const LAYOUT = process.env.PIPELINE_LAYOUT ?? 'in-process';
/** Enough users that one user's appends never overlap at this rate (one every USERS / RATE s). */
const USERS = 2000;
const TOTP_TOPIC = 'identity-store.totp';
const STORE_ID = randomUUID();

type LagSnapshot = { count: number; buckets: Array<{ le: number; count: number }> };

/** The q-quantile in ms, interpolated linearly inside its bucket (as Prometheus' histogram_quantile). */
const quantileMs = (lag: LagSnapshot, q: number): number => {
  const rank = q * lag.count;
  let lower = 0;
  let below = 0;
  for (const { le, count } of lag.buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return Infinity;
      return (lower + ((le - lower) * (rank - below)) / Math.max(1, count - below)) * 1000;
    }
    lower = le;
    below = count;
  }
  return Infinity;
};

const between = (before: LagSnapshot, after: LagSnapshot): LagSnapshot => ({
  count: after.count - before.count,
  buckets: after.buckets.map((b, i) => ({ le: b.le, count: b.count - (before.buckets[i]?.count ?? 0) })),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface User {
  id: string;
  credentialId: string;
  version: number;
  busy: boolean;
}

const append = async (store: PostgresEventStore, user: User, events: Array<{ type: string; data: Record<string, unknown> }>) => {
  user.busy = true;
  try {
    const result = await store.appendToStream(`totp-user-${user.id}`, events, {
      expectedVersion: user.version,
      metadata: { correlationId: randomUUID() },
      toOutbox: (recorded) =>
        recorded.map((event, i) =>
          integrationMessage(event, TOTP_TOPIC, { type: events[i]!.type, version: 1, data: events[i]!.data, storeId: STORE_ID, userId: user.id }),
        ),
    });
    user.version = result.nextExpectedVersion;
  } finally {
    user.busy = false;
  }
};

const main = async () => {
  const prefix = uniqueName('pipeline_lag');
  const databases = await createTestDatabases(prefix, [...SYSTEM_SERVICES]);
  const system = await startSystem({
    postgresUrl: databases.server,
    databasePrefix: prefix,
    transport:
      LAYOUT === 'kafka'
        ? { kind: 'kafka', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',') }
        : { kind: 'in-process' },
    secretsKey: randomBytes(32).toString('hex'),
    logger: createLogger('pipeline-lag', 'error'),
    auditProjector: { consumerGroup: `${prefix}-audit`, fromBeginning: false },
  });
  const store = system.eventStores.totp;
  try {
    const at = new Date().toISOString();
    const users: User[] = Array.from({ length: USERS }, () => ({ id: randomUUID(), credentialId: randomUUID(), version: 0, busy: false }));
    for (let i = 0; i < users.length; i += 50)
      await Promise.all(
        users.slice(i, i + 50).map((user) =>
          append(store, user, [
            { type: 'TotpRegistrationStarted', data: { credentialId: user.credentialId, policyName: 'p', algorithm: 'SHA1', digits: 6, period: 30, window: 1, createdDtm: at } },
            { type: 'TotpRegistrationCompleted', data: { credentialId: user.credentialId, timeStep: 1, at } },
          ]),
        ),
      );
    const registered = 2 * USERS;
    for (let i = 0; i < 300 && (await system.projectionLag()).count < registered; i++) await sleep(100);
    const before = await system.projectionLag();

    // Constant rate: every millisecond-ish tick issues what the schedule owes by now, each append
    // on the next user not still busy with its previous one.
    const started = performance.now();
    const total = RATE * SECONDS;
    let issued = 0;
    let skipped = 0;
    let failed = 0;
    let next = 0;
    const inFlight = new Set<Promise<void>>();
    const appendMs: number[] = [];
    while (issued < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
      for (; issued < due; issued++) {
        let user = users[next++ % USERS]!;
        for (let tries = 0; user.busy && tries < USERS; tries++) user = users[next++ % USERS]!;
        if (user.busy) {
          skipped++;
          continue;
        }
        const step = Math.floor(Date.now() / 30_000);
        const appendStarted = performance.now();
        const appended = append(store, user, [
          { type: 'TotpAuthenticationSucceeded', data: { credentialId: user.credentialId, authenticationId: randomUUID(), timeStep: step, at: new Date().toISOString() } },
        ])
          .then(() => void appendMs.push(performance.now() - appendStarted))
          .catch(() => void failed++)
          .finally(() => inFlight.delete(appended));
        inFlight.add(appended);
      }
      await sleep(1);
    }
    await Promise.all(inFlight);
    const appendSeconds = (performance.now() - started) / 1000;
    const expected = before.count + issued - skipped - failed;
    for (let i = 0; i < 600 && (await system.projectionLag()).count < expected; i++) await sleep(100);
    const lag = between(before, await system.projectionLag());

    console.log(`layout ${LAYOUT}: ${issued - skipped - failed} events appended in ${appendSeconds.toFixed(1)} s (${Math.round((issued - skipped - failed) / appendSeconds)}/s; target ${RATE}/s; ${skipped} skipped, ${failed} failed), ${lag.count} projected`);
    appendMs.sort((a, b) => a - b);
    const appendQuantile = (q: number) => (appendMs[Math.floor(q * (appendMs.length - 1))] ?? 0).toFixed(1);
    console.log(`append (commit) latency: p50 ${appendQuantile(0.5)} ms, p99 ${appendQuantile(0.99)} ms`);
    console.log('| lag ≤ | events | cumulative |');
    console.log('|---|---|---|');
    let previous = 0;
    for (const { le, count } of lag.buckets) {
      console.log(`| ${Number.isFinite(le) ? `${le * 1000} ms` : '+Inf'} | ${count - previous} | ${((count / Math.max(1, lag.count)) * 100).toFixed(1)} % |`);
      previous = count;
    }
    console.log(`p50 ${quantileMs(lag, 0.5).toFixed(1)} ms, p99 ${quantileMs(lag, 0.99).toFixed(1)} ms (interpolated within buckets)`);
    // For npm run bench (tools/bench/bench.ts), which runs this script per layout.
    const appended = issued - skipped - failed;
    console.log(
      `RESULT ${JSON.stringify({ layout: LAYOUT, rate: RATE, appended, perSecond: Math.round(appended / appendSeconds), projected: lag.count, p50: quantileMs(lag, 0.5), p99: quantileMs(lag, 0.99), appendP99: Number(appendQuantile(0.99)) })}`,
    );
  } finally {
    await system.close();
    await databases.drop();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
