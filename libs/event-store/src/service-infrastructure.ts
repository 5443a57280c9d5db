import { KafkaTransport, type KafkaTransportLogger } from '@identity-store/messaging';
import { PostgresEventStore } from './postgres-event-store';
import { migrateDatabase } from './migrate';
import { createPrismaClient } from './prisma-client';

/**
 * What every service of the distributed layout opens first: its own database (migrated), an event
 * store on it, and a Kafka transport — each registered for shutdown, last opened first closed.
 */
export const openServiceInfrastructure = async (options: {
  databaseUrl: string;
  brokers: string[];
  clientId: string;
  logger: { child(bindings: object): KafkaTransportLogger };
  onShutdown: (step: () => unknown) => void;
}) => {
  await migrateDatabase(options.databaseUrl);
  const prisma = createPrismaClient(options.databaseUrl);
  options.onShutdown(() => prisma.$disconnect());
  const transport = new KafkaTransport({
    brokers: options.brokers,
    clientId: options.clientId,
    logger: options.logger.child({ component: 'kafka' }),
  });
  options.onShutdown(() => transport.close());
  return { prisma, transport, eventStore: new PostgresEventStore(prisma) };
};
