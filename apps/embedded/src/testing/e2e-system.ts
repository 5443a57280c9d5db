import { randomBytes } from 'node:crypto';
import { createLogger } from '@identity-store/http-kit';
import { ConsistencySession, createTestDatabases, kafkaBrokers, uniqueName } from '@identity-store/testing';
import { type RunningSystem, startSystem, type SystemOptions, SYSTEM_SERVICES } from '../system';

export interface HttpAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the API answered
  body: any;
  headers: Headers;
}

/**
 * The whole system for an e2e suite — every app in one process on real PostgreSQL and the real Kafka
 * broker, reached over HTTP through the gateway — and a client holding an admin bearer token.
 * Registers the suite's beforeAll/afterAll; call it at the top of a `describe`.
 */
export const useE2eSystem = (label: string, overrides: Partial<SystemOptions> = {}) => {
  const adminApiKey = `isk_admin_${randomBytes(24).toString('base64url')}`;
  // Explicit, so a suite can sign tokens the gateway accepts (e.g. a really expired one).
  const jwtSecret = randomBytes(32).toString('hex');
  const secretsKey = randomBytes(32).toString('hex');
  const prefix = uniqueName(label);
  let system: RunningSystem;
  let dropDatabases: () => Promise<void>;
  let token: string;

  beforeAll(async () => {
    const databases = await createTestDatabases(prefix, [...SYSTEM_SERVICES]);
    dropDatabases = databases.drop;
    system = await startSystem({
      postgresUrl: databases.server,
      databasePrefix: prefix,
      transport: overrides.transport ?? { kind: 'kafka', brokers: await kafkaBrokers() },
      secretsKey,
      adminApiKey,
      jwtSecret,
      logger: createLogger('e2e', 'silent'),
      consistencyTimeoutMs: 10_000,
      // Suites share one broker: a group of its own (or partitions would be split between them),
      // starting at what this system publishes (not at other runs' history on the topics).
      auditProjector: { consumerGroup: `${prefix}-audit`, fromBeginning: false },
      // One face-matcher worker per system: suites run two at a time on 2 cores.
      biometricThreads: 1,
      ...overrides,
    });
    const issued = await fetch(`${system.url}/api/arthr/apiKeys/issue`, { method: 'POST', headers: { 'x-api-key': adminApiKey } });
    expect(issued.status).toBe(200);
    token = ((await issued.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await system?.close();
    await dropDatabases?.();
  });

  // Like an SDK's session: reads send the Consistency-Token of the writes before them.
  const session = new ConsistencySession();

  /**
   * An HTTP call through the gateway; the body is JSON (a string is sent as is), bearer null sends
   * none. GETs carry the session's Consistency-Token unless `headers` names one.
   */
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    bearer: string | null = token,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> => {
    const response = await fetch(`${system.url}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method === 'GET' ? session.headers() : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    session.remember(response.headers);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };

  return {
    call,
    /** `/api/identity-store/stores` + path. */
    api: (path: string) => `/api/identity-store/stores${path}`,
    /** The running system (once beforeAll ran). */
    system: () => system,
    /** The admin's bearer token (once beforeAll ran). */
    token: () => token,
    /** The gateway's token signing key (HS256). */
    jwtSecret,
    /** SECRETS_KEY of the system: tests that inspect what is stored encrypted decrypt with it. */
    secretsKey,
    /** The bootstrap admin API key the system was started with. */
    adminApiKey,
  };
};
