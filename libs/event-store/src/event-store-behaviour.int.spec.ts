import { createTestDatabase } from '@identity-store/testing';
import { eventStoreBehaviour } from './event-store-behaviour';
import { createPrismaClient, PostgresEventStore, type PrismaClient } from './index';

describe('PostgresEventStore behaves as every EventStore', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase('event_store_behaviour');
    prisma = createPrismaClient(db.url, { poolSize: 5 });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  // One database for all cases: each case names its own streams and keys.
  eventStoreBehaviour(() => new PostgresEventStore(prisma));
});
