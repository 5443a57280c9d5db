import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { migrateDatabase, withPgClient } from '@identity-store/event-store';
import { postgresServerUrl } from '@identity-store/testing';

/**
 * M6 on a real PostgreSQL server: tools/docker/postgres-init.sh (what the compose postgres runs on
 * first start) gives each service a role that is no superuser, owns its own database (and can run
 * its migrations there), and cannot connect to another service's database. Run with a unique
 * DATABASE_PREFIX, as the server's superuser, like the postgres image does.
 */

const run = promisify(execFile);
const SERVICES = ['gateway', 'identity', 'totp', 'passcode', 'passkey', 'appkey', 'biometric', 'audit'];
const script = path.resolve(__dirname, 'postgres-init.sh');

describe('tools/docker/postgres-init.sh', () => {
  const prefix = `m6_${randomBytes(4).toString('hex')}`;
  const passwords = Object.fromEntries(SERVICES.map((service) => [service, randomBytes(12).toString('hex')]));
  let server: URL;
  const urlOf = (service: string, database = service) => {
    const url = new URL(server);
    url.username = `${prefix}_${service}`;
    url.password = passwords[service]!;
    url.pathname = `/${prefix}_${database}`;
    return url.toString();
  };
  const superuserEnv = () => ({
    PATH: process.env.PATH ?? '',
    PGHOST: server.hostname,
    PGPORT: server.port || '5432',
    PGUSER: decodeURIComponent(server.username || 'postgres'),
    ...(server.password ? { PGPASSWORD: decodeURIComponent(server.password) } : {}),
    DATABASE_PREFIX: prefix,
  });

  beforeAll(async () => {
    server = new URL(await postgresServerUrl());
  });
  afterAll(async () => {
    const admin = new URL(server);
    admin.pathname = '/postgres';
    await withPgClient(admin.toString(), async (client) => {
      for (const service of SERVICES) {
        await client.query(`DROP DATABASE IF EXISTS "${prefix}_${service}" WITH (FORCE)`);
        await client.query(`DROP ROLE IF EXISTS "${prefix}_${service}"`);
      }
    });
  });

  it('refuses to run without every service password', async () => {
    const passwordsEnv = Object.fromEntries(SERVICES.slice(1).map((s) => [`${s.toUpperCase()}_DB_PASSWORD`, passwords[s]!]));
    await expect(run('bash', [script], { env: { ...superuserEnv(), ...passwordsEnv } })).rejects.toMatchObject({
      stderr: expect.stringContaining('GATEWAY_DB_PASSWORD must be set'),
    });
  });

  it('creates one unprivileged role per service, owning only its own database', async () => {
    const passwordsEnv = Object.fromEntries(SERVICES.map((s) => [`${s.toUpperCase()}_DB_PASSWORD`, passwords[s]!]));
    await run('bash', [script], { env: { ...superuserEnv(), ...passwordsEnv } });

    const admin = new URL(server);
    admin.pathname = '/postgres';
    const roles = await withPgClient(admin.toString(), async (client) =>
      (
        await client.query(
          `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin
             FROM pg_roles WHERE rolname LIKE $1 ORDER BY rolname`,
          [`${prefix}\\_%`],
        )
      ).rows,
    );
    expect(roles).toEqual(
      SERVICES.map((service) => `${prefix}_${service}`)
        .sort()
        .map((rolname) => ({
          rolname,
          rolsuper: false,
          rolcreatedb: false,
          rolcreaterole: false,
          rolreplication: false,
          rolbypassrls: false,
          rolcanlogin: true,
        })),
    );

    // Its own database: DDL (migrations) and data.
    await withPgClient(urlOf('totp'), async (client) => {
      await client.query('CREATE TABLE secrets_at_rest (id int PRIMARY KEY)');
      await client.query('INSERT INTO secrets_at_rest VALUES (1)');
      await expect(client.query("COPY (SELECT 1) TO PROGRAM 'true'")).rejects.toThrow(/permission denied|must be superuser|privilege/i);
      await expect(client.query('CREATE ROLE intruder')).rejects.toThrow(/permission denied/i);
    });
    // What a service does at start-up, as its own role: migrate its database.
    await migrateDatabase(urlOf('identity'));
    await withPgClient(urlOf('identity'), async (client) => {
      expect((await client.query("SELECT to_regclass('events') AS t")).rows[0].t).toBe('events');
    });
    // No other service's database.
    for (const [service, database] of [
      ['passkey', 'totp'],
      ['identity', 'gateway'],
      ['audit', 'passcode'],
    ] as const)
      await expect(withPgClient(urlOf(service, database), async () => undefined)).rejects.toThrow(
        /permission denied for database/,
      );
  });
});
