import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { migrateDatabase } from '@identity-store/event-store';
import { createLogger, createServiceApp, type Express, Router } from '@identity-store/http-kit';
import { Client } from 'pg';

/**
 * Helpers of the gateway's integration specs: a fresh, migrated PostgreSQL database per spec file
 * (taken from DATABASE_URL's server, default postgresql://postgres@127.0.0.1:5432/postgres), and
 * fake services that echo what reached them.
 */

export const serverUrl = (): string =>
  process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

const withClient = async <T>(url: string, work: (client: Client) => Promise<T>): Promise<T> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

export const createTestDatabase = async (prefix = 'gateway_test'): Promise<TestDatabase> => {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  return {
    url: url.toString(),
    name,
    query: (sql, values) =>
      withClient(url.toString(), async (client) => (await client.query(sql, values)).rows),
    drop: async () => {
      const admin = new URL(serverUrl());
      admin.pathname = '/postgres';
      await withClient(admin.toString(), (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
};

/** What an echo service answers: everything it received. */
export interface Echo {
  service: string;
  method: string;
  url: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** A service app (the kit's, like the real ones) answering every request with an {@link Echo}. */
export const echoService = (service: string, options: { operationalEndpoints?: boolean } = {}): Express => {
  const router = Router();
  router.use((req, res) => {
    const echo: Echo = {
      service,
      method: req.method,
      url: req.originalUrl,
      body: req.body ?? null,
      headers: req.headers,
    };
    res.status(200).json(echo);
  });
  return createServiceApp({
    name: `echo-${service}`,
    logger: createLogger(`echo-${service}`, 'silent'),
    routers: [router],
    operationalEndpoints: options.operationalEndpoints ?? false,
  });
};

export const listen = async (app: Express): Promise<{ url: string; close(): Promise<void> }> => {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
