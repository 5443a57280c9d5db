/**
 * `npm run fuzz` (through tools/fuzz/fuzz.sh): a long API fuzzing run against the whole system in
 * this process — every app on its own throw-away databases — then the summary. Exits 1 when any
 * oracle was violated.
 *
 * FUZZ_TRANSPORT: `in-process` (default, as `npm start`) or `kafka`. With Kafka the audit
 * projection's database is left out of the "a 4xx changes nothing" comparison: on a shared broker
 * it also applies other systems' events.
 *
 *   FUZZ_SECONDS  how long (default 300)          FUZZ_SEED  replay a run (default: random, printed)
 *   FUZZ_RUNS     stop after this many requests   FUZZ_REPORT  also write the summary to this file
 */
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { createLogger } from '@identity-store/http-kit';
import { createTestDatabases, kafkaBrokers, uniqueName } from '@identity-store/testing';
import { startSystem, SYSTEM_SERVICES } from '../../apps/embedded/src/system';
import { formatReport, runFuzz } from './api-fuzzer';

const main = async () => {
  const seconds = Number(process.env.FUZZ_SECONDS ?? 300);
  const runs = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : undefined;
  const seed = Number(process.env.FUZZ_SEED ?? randomInt(1, 2 ** 31 - 1));
  const kafka = process.env.FUZZ_TRANSPORT === 'kafka';
  const prefix = uniqueName('fuzz');
  const databases = await createTestDatabases(prefix, [...SYSTEM_SERVICES]);
  const adminApiKey = `isk_admin_${randomBytes(24).toString('base64url')}`;
  const system = await startSystem({
    postgresUrl: databases.server,
    databasePrefix: prefix,
    transport: kafka ? { kind: 'kafka', brokers: await kafkaBrokers() } : { kind: 'in-process' },
    secretsKey: randomBytes(32).toString('hex'),
    adminApiKey,
    // Silent by default (501s of operations not implemented yet log as errors); LOG_LEVEL=error prints each 500's stack.
    logger: createLogger('fuzz', process.env.LOG_LEVEL ?? 'silent'),
    consistencyTimeoutMs: 10_000,
    auditProjector: { consumerGroup: `${prefix}-audit`, fromBeginning: false },
  });
  console.log(
    `API fuzzing on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}: ` +
      `seed ${seed}, ${runs ? `${runs} requests or ` : ''}${seconds} s, ${kafka ? 'Kafka' : 'in-process'} transport`,
  );
  try {
    const report = await runFuzz(
      { baseUrl: system.url, databases: system.databases, adminApiKey },
      { seed, seconds, runs, compareProjection: !kafka, log: (line) => console.log(line) },
    );
    const summary = formatReport(report);
    console.log(summary);
    if (process.env.FUZZ_REPORT) writeFileSync(process.env.FUZZ_REPORT, `${summary}\n`);
    process.exitCode = report.violations.length ? 1 : 0;
  } finally {
    await system.close();
    await databases.drop();
  }
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
