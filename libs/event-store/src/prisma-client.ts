import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export type { PrismaClient } from './generated/prisma/client';
export { Prisma } from './generated/prisma/client';

/** A transaction-scoped client, as handed to callbacks of `prisma.$transaction`. */
export type PrismaTx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface PrismaClientOptions {
  /** Connection pool size of this client (default 20). */
  poolSize?: number;
}

/** A Prisma client on the Rust-free query compiler, talking to PostgreSQL through node-postgres. */
export const createPrismaClient = (databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient =>
  new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 20 }),
  });
