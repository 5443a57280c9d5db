/**
 * KafkaTransport against a real broker: `tools/kafka/kafka.sh start` prints KAFKA_BROKERS.
 *   KAFKA_BROKERS=127.0.0.1:19092 npx jest --selectProjects int libs/messaging
 */
import { randomUUID } from 'node:crypto';

import { Kafka, logLevel, Partitioners } from 'kafkajs';

import type { IncomingMessage, OutgoingMessage, Subscription, SubscriptionOptions } from '../transport';
import { KafkaTransport, type KafkaTransportLogger } from './kafka-transport';

const BROKERS = (process.env.KAFKA_BROKERS ?? '')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
if (BROKERS.length === 0) {
  throw new Error(
    'KAFKA_BROKERS is not set: start a broker with `bash tools/kafka/kafka.sh start` and run with KAFKA_BROKERS=127.0.0.1:19092',
  );
}

const RUN = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
const topicName = (name: string) => `it.kafka-transport.${RUN}.${name}`;
const groupName = (name: string) => `it.kafka-transport.${RUN}.${name}`;
const createdTopics: string[] = [];

/** The fields a consumer must get back exactly as published. */
type Seen = { topic: string; key: string; value: string; headers: Record<string, string> };
const strip = (m: IncomingMessage): Seen => ({
  topic: m.topic,
  key: m.key,
  value: m.value,
  headers: m.headers ?? {},
});
const sent = (m: OutgoingMessage): Seen => ({
  topic: m.topic,
  key: m.key,
  value: m.value,
  headers: m.headers ?? {},
});
const byValue = (a: { value: string }, b: { value: string }) =>
  a.value < b.value ? -1 : a.value > b.value ? 1 : 0;

/** Messages for `keys` keys, `perKey` each, interleaved (k0#0, k1#0, ..., k0#1, ...). */
function makeMessages(topic: string, tag: string, keys: number, perKey: number): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  for (let seq = 0; seq < perKey; seq++) {
    for (let k = 0; k < keys; k++) {
      const key = `user-${tag}-${k}`;
      out.push({
        topic,
        key,
        value: JSON.stringify({ key, seq, tag }),
        headers: { 'event-type': 'TestEvent', seq: String(seq), 'x-unicode': 'ünï-✓' },
      });
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A key the producer's default partitioner (murmur2, as Java's) sends to `partition` of a 3-partition topic. */
const partitioner = Partitioners.DefaultPartitioner();
function keyOnPartition(topic: string, partition: number): string {
  const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  for (let i = 0; ; i++) {
    const key = `marker-${i}`;
    if (partitioner({ topic, partitionMetadata, message: { key, value: null } }) === partition) return key;
  }
}
const MARKER = '{"marker":';
const isMarker = (m: { value: string }) => m.value.startsWith(MARKER);

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Subscribes and records every successfully handled message (and every delivery attempt). Marker
 * messages (see `publishMarkers`) are recorded apart.
 */
async function collect(
  transport: KafkaTransport,
  options: Omit<SubscriptionOptions, 'handle'>,
  handle?: (messages: IncomingMessage[]) => Promise<void>,
) {
  const handled: IncomingMessage[] = [];
  const deliveries: IncomingMessage[][] = [];
  const markers: IncomingMessage[] = [];
  const subscription: Subscription = await transport.subscribe({
    ...options,
    handle: async (all) => {
      const messages = all.filter((m) => !isMarker(m));
      if (messages.length) deliveries.push(messages);
      if (handle && messages.length) await handle(messages);
      handled.push(...messages);
      markers.push(...all.filter(isMarker));
    },
  });
  return { handled, deliveries, markers, subscription };
}

/**
 * "Nothing more arrives": publishes a marker to every partition of `topic`, published last, and
 * waits until each consumer handled all of them. A partition is delivered in order, so whatever
 * was published before (or redelivered from before) has been handled by then.
 */
async function afterMarkers(transport: KafkaTransport, topic: string, ...consumers: Array<{ markers: IncomingMessage[] }>) {
  const tag = randomUUID();
  await transport.publish(
    [0, 1, 2].map((partition) => ({ topic, key: keyOnPartition(topic, partition), value: `${MARKER}"${tag}","partition":${partition}}` })),
  );
  for (const consumer of consumers) {
    const mine = () => new Set(consumer.markers.filter((m) => m.value.includes(tag)).map((m) => m.partition));
    await waitUntil('markers on every partition', () => mine().size === 3);
    expect([...mine()].sort()).toEqual([0, 1, 2]);
  }
}

/** Keeps the expected handler-failure warnings out of the test output; prints anything else. */
const warnings: { obj: object; msg: string }[] = [];
const testLogger: KafkaTransportLogger = {
  error: (obj, msg) => console.error(msg, obj),
  warn: (obj, msg) => {
    warnings.push({ obj, msg });
    if (!msg.startsWith('message handler failed')) console.warn(msg, obj);
  },
  info: () => undefined,
  debug: () => undefined,
};

describe('KafkaTransport (real broker)', () => {
  let transport: KafkaTransport;

  beforeAll(async () => {
    transport = new KafkaTransport({
      brokers: BROKERS,
      clientId: `it-${RUN}`,
      logLevel: 'warn',
      logger: testLogger,
    });
  });

  afterAll(async () => {
    await transport?.close();
    // Best effort: the test broker keeps everything forever (log.retention.ms=-1).
    const admin = new Kafka({
      brokers: BROKERS,
      clientId: `it-cleanup-${RUN}`,
      logLevel: logLevel.NOTHING,
    }).admin();
    try {
      await admin.connect();
      if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics, timeout: 5_000 });
    } catch {
      // ignore
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  });

  it('ensureTopics creates missing topics with 3 partitions and is idempotent', async () => {
    const a = topicName('ensure-a');
    const b = topicName('ensure-b');
    createdTopics.push(a, b);
    await transport.ensureTopics([a, b]);
    await transport.ensureTopics([a, b, a]); // existing: no error

    const admin = new Kafka({
      brokers: BROKERS,
      clientId: `it-check-${RUN}`,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [a, b] });
      expect(topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual([
        [a, 3],
        [b, 3],
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('delivers every published message with its key, value and headers', async () => {
    const topic = topicName('roundtrip');
    createdTopics.push(topic);
    await transport.ensureTopics([topic]);

    const before = makeMessages(topic, 'before', 4, 5); // published before anyone subscribed
    const noHeaders: OutgoingMessage = { topic, key: 'user-plain', value: '{"plain":true}' };
    await transport.publish([...before, noHeaders]);

    const fromStart = await collect(transport, {
      groupId: groupName('roundtrip-a'),
      topics: [topic],
      fromBeginning: true,
    });
    // A new group that does not start from the beginning sees only what is published after subscribe.
    const fromNow = await collect(transport, {
      groupId: groupName('roundtrip-b'),
      topics: [topic],
      fromBeginning: false,
    });

    const after = makeMessages(topic, 'after', 3, 4);
    await transport.publish(after);

    const all = [...before, noHeaders, ...after];
    await waitUntil('all messages (fromBeginning)', () => fromStart.handled.length >= all.length);
    await waitUntil('new messages (latest)', () => fromNow.handled.length >= after.length);
    await afterMarkers(transport, topic, fromStart, fromNow); // nothing more must come

    expect(fromStart.handled.map(strip).sort(byValue)).toEqual(all.map(sent).sort(byValue));
    expect(fromNow.handled.map(strip).sort(byValue)).toEqual(after.map(sent).sort(byValue));

    const plain = fromStart.handled.find((m) => m.key === 'user-plain')!;
    expect(plain.headers).toEqual({});
    for (const m of fromStart.handled) {
      expect(m.offset).toMatch(/^\d+$/);
      expect([0, 1, 2]).toContain(m.partition);
    }
    // Offsets are unique within a partition.
    const ids = fromStart.handled.map((m) => `${m.partition}:${m.offset}`);
    expect(new Set(ids).size).toBe(ids.length);

    await Promise.all([fromStart.subscription.stop(), fromNow.subscription.stop()]);
  });

  it('keeps per-key order, with each key pinned to one partition', async () => {
    const topic = topicName('order');
    createdTopics.push(topic);
    await transport.ensureTopics([topic]);
    const consumer = await collect(transport, {
      groupId: groupName('order'),
      topics: [topic],
      fromBeginning: true,
    });

    const keys = 12;
    const perKey = 25;
    const messages = makeMessages(topic, 'order', keys, perKey);
    // Several publish calls in a row, each interleaving all keys.
    for (let i = 0; i < messages.length; i += 50) await transport.publish(messages.slice(i, i + 50));

    await waitUntil('ordered messages', () => consumer.handled.length >= messages.length);
    await afterMarkers(transport, topic, consumer);
    expect(consumer.handled).toHaveLength(messages.length);

    const seqsByKey = new Map<string, number[]>();
    const partitionsByKey = new Map<string, Set<number>>();
    for (const m of consumer.handled) {
      const { seq } = JSON.parse(m.value) as { seq: number };
      seqsByKey.set(m.key, [...(seqsByKey.get(m.key) ?? []), seq]);
      partitionsByKey.set(m.key, (partitionsByKey.get(m.key) ?? new Set()).add(m.partition));
    }
    const expected = Array.from({ length: perKey }, (_, i) => i);
    expect(seqsByKey.size).toBe(keys);
    for (const [key, seqs] of seqsByKey) {
      expect({ key, seqs }).toEqual({ key, seqs: expected });
      expect(partitionsByKey.get(key)!.size).toBe(1);
    }
    // Within one delivered batch the offsets are increasing (one partition, in order).
    for (const batch of consumer.deliveries) {
      expect(new Set(batch.map((m) => m.partition)).size).toBe(1);
      const offsets = batch.map((m) => BigInt(m.offset));
      expect(offsets).toEqual([...offsets].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    }
    await consumer.subscription.stop();
  });

  it('redelivers a batch whose handler threw, and loses nothing', async () => {
    const topic = topicName('redeliver');
    createdTopics.push(topic);
    await transport.ensureTopics([topic]);
    const messages = makeMessages(topic, 'redeliver', 6, 5);
    await transport.publish(messages);

    let failedBatch: IncomingMessage[] | undefined;
    const consumer = await collect(
      transport,
      { groupId: groupName('redeliver'), topics: [topic], fromBeginning: true },
      async (batch) => {
        if (!failedBatch) {
          failedBatch = batch;
          throw new Error('handler failure (intended by the test)');
        }
      },
    );

    await waitUntil(
      'all messages handled after the failure',
      () => consumer.handled.length >= messages.length,
    );
    await afterMarkers(transport, topic, consumer);

    // Exactly the published messages were handled successfully, each once (one failure, then commits).
    expect(consumer.handled.map(strip).sort(byValue)).toEqual(messages.map(sent).sort(byValue));
    // The failed batch came again: its first message is the first of the next delivery of that partition.
    expect(failedBatch).toBeDefined();
    const failed = failedBatch!;
    const failedIndex = consumer.deliveries.indexOf(failed);
    const retry = consumer.deliveries
      .slice(failedIndex + 1)
      .find((batch) => batch[0]!.partition === failed[0]!.partition)!;
    expect(retry).toBeDefined();
    expect(retry.slice(0, failed.length).map((m) => [m.offset, m.key, m.value])).toEqual(
      failed.map((m) => [m.offset, m.key, m.value]),
    );
    expect(warnings.map((w) => [w.msg, w.obj])).toContainEqual([
      'message handler failed; the batch will be redelivered',
      expect.objectContaining({
        topic,
        partition: failed[0]!.partition,
        fromOffset: failed[0]!.offset,
        attempt: 1,
      }),
    ]);
    // Attempts = successful handling + the one failed batch.
    expect(consumer.deliveries.flat()).toHaveLength(messages.length + failed.length);
    await consumer.subscription.stop();
  });

  it('commits nothing for a failing handler: a restarted consumer of the group gets the messages', async () => {
    const topic = topicName('uncommitted');
    createdTopics.push(topic);
    await transport.ensureTopics([topic]);
    const groupId = groupName('uncommitted');
    const messages = makeMessages(topic, 'uncommitted', 4, 3);
    await transport.publish(messages);

    const failing = await collect(transport, { groupId, topics: [topic], fromBeginning: true }, async () => {
      throw new Error('always failing (intended by the test)');
    });
    await waitUntil('a failed delivery', () => failing.deliveries.length >= 1);
    await failing.subscription.stop();
    expect(failing.handled).toEqual([]);

    // fromBeginning applies only while the group has no committed offset; had the failing handler's
    // batch been committed, the restarted consumer would start after it and miss those messages.
    const healthy = await collect(transport, { groupId, topics: [topic], fromBeginning: true });
    await waitUntil('messages after restart', () => healthy.handled.length >= messages.length);
    await afterMarkers(transport, topic, healthy);
    expect(healthy.handled.map(strip).sort(byValue)).toEqual(messages.map(sent).sort(byValue));
    await healthy.subscription.stop();
  });

  it('resumes a group after its last committed offset, and a new group replays everything', async () => {
    const topic = topicName('resume');
    createdTopics.push(topic);
    await transport.ensureTopics([topic]);
    const groupId = groupName('resume');

    const first = makeMessages(topic, 'first', 5, 4);
    await transport.publish(first);
    const run1 = await collect(transport, { groupId, topics: [topic], fromBeginning: true });
    await waitUntil('first messages', () => run1.handled.length >= first.length);
    await run1.subscription.stop();
    expect(run1.handled.map(strip).sort(byValue)).toEqual(first.map(sent).sort(byValue));

    // Published while the group has no consumer.
    const second = makeMessages(topic, 'second', 5, 3);
    await transport.publish(second);

    // Same group again (fromBeginning is ignored once the group has committed offsets).
    const run2 = await collect(transport, { groupId, topics: [topic], fromBeginning: true });
    await waitUntil('second messages', () => run2.handled.length >= second.length);
    await afterMarkers(transport, topic, run2); // an already-handled message would arrive before the markers
    expect(run2.handled.map(strip).sort(byValue)).toEqual(second.map(sent).sort(byValue));
    await run2.subscription.stop();

    // A new group from the beginning replays the whole topic.
    const replay = await collect(transport, {
      groupId: groupName('resume-replay'),
      topics: [topic],
      fromBeginning: true,
    });
    const all = [...first, ...second];
    await waitUntil('replayed messages', () => replay.handled.length >= all.length);
    await afterMarkers(transport, topic, replay);
    expect(replay.handled.map(strip).sort(byValue)).toEqual(all.map(sent).sort(byValue));
    await replay.subscription.stop();
  });

  it('reports its status: running, stopped, or crashed for good (at once, with the reason)', async () => {
    const topic = topicName('status');
    createdTopics.push(topic);
    await transport.ensureTopics([topic]);
    const healthy = await collect(transport, { groupId: groupName('status-ok'), topics: [topic], fromBeginning: true });
    expect(healthy.subscription.status()).toEqual({ state: 'running' });
    await healthy.subscription.stop();
    expect(healthy.subscription.status()).toEqual({ state: 'stopped' });

    // The broker refuses a session timeout below group.min.session.timeout.ms (6 s by default):
    // INVALID_SESSION_TIMEOUT is not retriable, kafkajs stops the consumer for good.
    const refused = new KafkaTransport({
      brokers: BROKERS,
      clientId: `it-refused-${RUN}`,
      sessionTimeout: 3_000,
      heartbeatInterval: 500,
      logLevel: 'nothing',
      logger: { ...testLogger, error: () => undefined },
    });
    try {
      const crashed = await collect(refused, { groupId: groupName('status-refused'), topics: [topic], fromBeginning: true });
      expect(crashed.subscription.status()).toEqual({ state: 'crashed', error: expect.stringMatching(/session timeout/) });
    } finally {
      await refused.close();
    }
  });

  it('refuses to work after close()', async () => {
    const other = new KafkaTransport({ brokers: BROKERS, clientId: `it-closed-${RUN}` });
    await other.close();
    await expect(other.publish([{ topic: topicName('closed'), key: 'k', value: 'v' }])).rejects.toThrow(
      /closed/,
    );
  });
});
