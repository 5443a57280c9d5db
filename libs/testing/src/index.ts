import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { migrateDatabase, withPgClient } from '@identity-store/event-store';
import type { Client } from 'pg';

/**
 * Test infrastructure, one helper for both ways of getting it: PostgreSQL and Kafka come from the
 * environment (DATABASE_URL, KAFKA_BROKERS — what `npm test` starts), or from testcontainers when
 * a Docker engine answers. Without either, the suite fails with a clear message (never skips).
 */
const dockerAnswers = (): boolean => {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
};

let containerPostgres: Promise<string> | undefined;
let containerKafka: Promise<string[]> | undefined;

export const postgresServerUrl = async (): Promise<string> => {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (!dockerAnswers())
    throw new Error('No PostgreSQL: set DATABASE_URL (npm test does) or run a Docker engine for testcontainers.');
  containerPostgres ??= import('@testcontainers/postgresql').then(async ({ PostgreSqlContainer }) => {
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return container.getConnectionUri();
  });
  return containerPostgres;
};

export const kafkaBrokers = async (): Promise<string[]> => {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',').map((b) => b.trim());
  if (!dockerAnswers())
    throw new Error('No Kafka: set KAFKA_BROKERS (npm test starts tools/kafka/kafka.sh) or run a Docker engine.');
  containerKafka ??= import('@testcontainers/kafka').then(async ({ KafkaContainer }) => {
    const container = await new KafkaContainer('confluentinc/cp-kafka:7.6.0').withKraft().start();
    return [`${container.getHost()}:${container.getMappedPort(9093)}`];
  });
  return containerKafka;
};

const withServer = <T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> =>
  withPgClient(databaseUrl(serverUrl, 'postgres'), work);

const databaseUrl = (serverUrl: string, name: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

const TEMPLATE = 'identity_store_test_template';

const copyTemplate = async (client: Client, name: string) => {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(`CREATE DATABASE "${name}" TEMPLATE ${TEMPLATE}`);
      return;
    } catch (error) {
      // 55006: the template is briefly in use by a concurrent copy or migration check.
      if ((error as { code?: string }).code !== '55006' || attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
};

/**
 * A fresh, migrated database: a copy of a template that `prisma migrate deploy` brought up to date
 * once (copying is milliseconds; migrating every test database would take seconds each).
 */
export interface TestDatabase {
  url: string;
  /** Runs SQL in the test database (assertions on what was stored). */
  query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export const createTestDatabase = async (label: string): Promise<TestDatabase> => {
  const server = await postgresServerUrl();
  await migrateDatabase(databaseUrl(server, TEMPLATE));
  const name = `t_${label.replace(/\W/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await withServer(server, (client) => copyTemplate(client, name));
  const url = databaseUrl(server, name);
  return {
    url,
    query: (sql, values) => withPgClient(url, async (client) => (await client.query(sql, values)).rows),
    drop: () => withServer(server, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined)),
  };
};

/** Creates `<prefix>_<service>` databases from the template (for a whole system under test). */
export const createTestDatabases = async (prefix: string, services: string[]) => {
  const server = await postgresServerUrl();
  await migrateDatabase(databaseUrl(server, TEMPLATE));
  await withServer(server, async (client) => {
    for (const service of services) await copyTemplate(client, `${prefix}_${service}`);
  });
  return {
    server,
    drop: () =>
      withServer(server, async (client) => {
        for (const service of services) await client.query(`DROP DATABASE IF EXISTS "${prefix}_${service}" WITH (FORCE)`);
      }),
  };
};

/**
 * Deletes topics a suite created on the broker (best effort): the test broker keeps everything
 * forever (log.retention.ms=-1), so suites with topics of their own clean them up.
 */
export const deleteTopics = async (brokers: string[], topics: string[]): Promise<void> => {
  if (topics.length === 0) return;
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ brokers, clientId: `test-cleanup-${randomBytes(4).toString('hex')}`, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length) await admin.deleteTopics({ topics: present, timeout: 10_000 });
  } catch {
    // A leftover topic only costs disk on a test broker.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
};

export const uniqueName = (label: string) => `${label}_${randomBytes(4).toString('hex')}`;
export * from './webauthn/software-authenticator';
export * from './srp/passcode-kdf';
export * from './srp/passcode-client';
export * from './decider-specification';
export * from './api-specification';
export * from './credential-service-stand-ins';
export * from './consistency-session';
export * from './push/push-test-keys';
export * from './push/push-policy-test-keys';
export * from './push/apns-stand-in';
export * from './push/fcm-stand-in';
export * from './uaf/software-uaf-authenticator';
export * from './uaf/software-uaf-client';
export * from './uaf/test-uaf-ca';
export * from './uaf/uaf-tamper';
export { UafAlgorithm, UafTag } from './uaf/uaf-tlv';
export * from './zod-issues';
export * from './faces/sample-faces';
