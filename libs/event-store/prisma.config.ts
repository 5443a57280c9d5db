// Prisma CLI config for this schema. Migrations run with the bundled WASM schema engine through the
// driver adapter (no binary download, works offline); see ENVIRONMENT.md "Prisma, offline".
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from 'pg-adapter-migrate';

const connection = () => {
  const url = new URL(process.env.MIGRATE_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1) || 'postgres',
    // Let the CLI exit as soon as it is done instead of waiting for idle pooled connections.
    idleTimeoutMillis: 50,
    allowExitOnIdle: true,
  };
};

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'prisma', 'migrations') },
  adapter: async () => new PrismaPg(connection()),
});
