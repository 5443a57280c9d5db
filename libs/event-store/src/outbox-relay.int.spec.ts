import { randomUUID } from 'node:crypto';
import { type IncomingMessage, KafkaTransport, type OutgoingMessage, type Publisher } from '@identity-store/messaging';
import { createTestDatabase, deleteTopics, kafkaBrokers } from '@identity-store/testing';
import { createPrismaClient, OutboxRelay, PostgresEventStore, type PrismaClient } from './index';

/**
 * M3: several relays on one database (several service instances, plus `drain()` next to the relay
 * loop) must publish each stream's versions in order. Real PostgreSQL, real broker.
 */
describe('outbox relays on one database (real PostgreSQL and Kafka)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const clients: PrismaClient[] = [];
  let transport: KafkaTransport;
  const topic = `it.outbox-relay.${randomUUID()}`;

  beforeAll(async () => {
    db = await createTestDatabase('relay_order');
    transport = new KafkaTransport({ brokers: await kafkaBrokers(), clientId: `it-relay-${randomUUID()}` });
    await transport.ensureTopics([topic]);
  });
  afterAll(async () => {
    await transport.close();
    await Promise.all(clients.map((client) => client.$disconnect()));
    await db.drop();
    await deleteTopics(await kafkaBrokers(), [topic]);
  });

  it('two relays and concurrent drains deliver every stream in version order, each version once', async () => {
    const instance = () => {
      const client = createPrismaClient(db.url, { poolSize: 10 });
      clients.push(client);
      return client;
    };
    const [a, b] = [instance(), instance()];
    const store = new PostgresEventStore(a);
    const streams = Array.from({ length: 4 }, (_, i) => `order-${i}-${randomUUID()}`);
    const versions = 12;
    // Interleaved appends: each batch of the relays holds versions of several streams.
    for (let version = 1; version <= versions; version++)
      for (const streamId of streams)
        await store.appendToStream(streamId, [{ type: 'Counted', data: { version } }], {
          expectedVersion: version - 1,
          metadata: { correlationId: 'relay-order' },
          toOutbox: (recorded) =>
            recorded.map((event) => ({
              eventId: event.id,
              topic,
              key: streamId,
              value: JSON.stringify({ streamId, version: event.streamVersion }),
            })),
        });

    // Instance a's relay is slow to publish (a busy process): without one publisher at a time,
    // instance b claims the rows after a's locked batch and publishes later versions first.
    const slow: Publisher = {
      publish: async (messages) => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        await transport.publish(messages);
      },
    };
    const relayA = new OutboxRelay(a, slow, { batchSize: 3, idleMs: 20 });
    const relayB = new OutboxRelay(b, transport, { batchSize: 3, idleMs: 20 });
    relayA.start();
    relayB.start();
    await Promise.all([relayA.drain(), relayB.drain(), relayA.drain(), relayB.drain()]);
    await Promise.all([relayA.stop(), relayB.stop()]);
    expect(await a.outboxMessage.count({ where: { publishedAt: null } })).toBe(0);

    // Read the topic back; a marker per stream, published last on the stream's partition, says
    // everything before it was delivered.
    const received = new Map<string, number[]>(streams.map((s) => [s, []]));
    const markers = new Set<string>();
    let done: () => void = () => undefined;
    const allMarkers = new Promise<void>((resolve) => (done = resolve));
    const subscription = await transport.subscribe({
      groupId: `it-relay-reader-${randomUUID()}`,
      topics: [topic],
      fromBeginning: true,
      handle: async (messages: IncomingMessage[]) => {
        for (const message of messages) {
          const value = JSON.parse(message.value) as { streamId: string; version?: number; marker?: true };
          if (value.marker) markers.add(value.streamId);
          else received.get(value.streamId)!.push(value.version!);
        }
        if (markers.size === streams.length) done();
      },
    });
    const markerMessages: OutgoingMessage[] = streams.map((streamId) => ({
      topic,
      key: streamId,
      value: JSON.stringify({ streamId, marker: true }),
    }));
    await transport.publish(markerMessages);
    await allMarkers;
    await subscription.stop();

    const inOrder = Array.from({ length: versions }, (_, i) => i + 1);
    for (const streamId of streams) expect({ streamId, versions: received.get(streamId) }).toEqual({ streamId, versions: inOrder });
  });
});
