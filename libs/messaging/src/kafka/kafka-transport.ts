/**
 * MessageTransport over Apache Kafka with kafkajs 2.2.4 (unmaintained since 2023, hence kept behind
 * the project's own interface in ../transport.ts).
 *
 * Guarantees, as the interface promises:
 * - publish resolves once every message is acknowledged by all in-sync replicas (idempotent
 *   producer, acks=all, one request in flight, so retries neither duplicate nor reorder);
 * - per-key order: the key picks the partition (Java-compatible murmur2), and a partition is handed
 *   to the handler in offset order, one batch at a time;
 * - at-least-once: offsets are resolved and committed only after `handle` resolved. When `handle`
 *   throws, nothing is committed and the consumer seeks back to the first message of the batch, so
 *   the same messages come again after a short (growing) backoff.
 *
 * Over 400 lines on purpose: producer, consumer loop, seek-back on failure and topic admin share one
 * kafkajs client and its error classification; split apart, each half would need the other's state.
 */
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type KafkaMessage,
  type LogEntry,
  type Producer,
  type logCreator,
} from 'kafkajs';

import type {
  IncomingMessage,
  MessageTransport,
  OutgoingMessage,
  Subscription,
  SubscriptionOptions,
  SubscriptionStatus,
} from '../transport';

export type KafkaTransportLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** Structured logger (pino-compatible signature: object first, message second). */
export interface KafkaTransportLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface KafkaTransportOptions {
  /** host:port list, e.g. ['127.0.0.1:19092']. */
  brokers: string[];
  clientId: string;
  /** Lowest level of kafkajs and transport logs that is written. Default 'warn'. */
  logLevel?: KafkaTransportLogLevel;
  /** Where logs go. Default: one line per entry on stderr. */
  logger?: KafkaTransportLogger;
  /** Partitions of one subscription handled at the same time (each partition stays in order). Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Partitions given to topics created by ensureTopics. Default 3. */
  numPartitions?: number;
  /** Replication factor of topics created by ensureTopics. Default 1 (single broker). */
  replicationFactor?: number;
  /** Consumer group session timeout. Default 10 000 ms (the broker's minimum is 6 000 ms). */
  sessionTimeout?: number;
  /** Consumer heartbeat interval. Default 1 000 ms. */
  heartbeatInterval?: number;
  /** Longest time a fetch waits on the broker for new data. Default 50 ms (low latency). */
  maxWaitTimeInMs?: number;
  /** First redelivery delay after a handler error; doubles per consecutive failure. Default 100 ms. */
  retryBackoffMs?: number;
  /** Cap of the redelivery delay. Default 5 000 ms. */
  maxRetryBackoffMs?: number;
}

const LEVELS: Record<KafkaTransportLogLevel, KafkaLogLevel> = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

const stderrLogger: KafkaTransportLogger = (() => {
  const line = (level: string) => (obj: object, msg: string) => {
    let extra = '';
    try {
      extra = Object.keys(obj).length > 0 ? ' ' + JSON.stringify(obj) : '';
    } catch {
      extra = '';
    }
    process.stderr.write(`${new Date().toISOString()} ${level} [kafka] ${msg}${extra}\n`);
  };
  return { error: line('ERROR'), warn: line('WARN'), info: line('INFO'), debug: line('DEBUG') };
})();

/**
 * kafkajs log creator: entries below `minLevel` are dropped; kafkajs' transient protocol-error
 * lines ("[Connection] Response Heartbeat ... rebalancing", leader elections after topic creation)
 * and routine rebalance notices are retried by kafkajs itself, so they count as debug/info; so does
 * the warning about the idempotent producer's bounded retries (see the producer's retry option).
 */
function createLogCreator(minLevel: KafkaLogLevel, logger: KafkaTransportLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      let effective = level;
      if (level === KafkaLogLevel.ERROR && namespace === 'Connection' && message.startsWith('Response ')) {
        effective = KafkaLogLevel.DEBUG;
      } else if (
        level === KafkaLogLevel.WARN &&
        message.startsWith('Limiting retries for the idempotent producer')
      ) {
        // Deliberate: publish gives up after bounded retries instead of hanging while the broker is
        // down; the caller (outbox relay) publishes again, and consumers are idempotent anyway.
        effective = KafkaLogLevel.DEBUG;
      } else if (level === KafkaLogLevel.WARN && /rebalancing|re-joining/i.test(message)) {
        effective = KafkaLogLevel.INFO;
      }
      if (effective > minLevel || minLevel === KafkaLogLevel.NOTHING) return;
      const text = namespace ? `[${namespace}] ${message}` : message;
      const obj = { lib: 'kafkajs', ...extra };
      if (effective === KafkaLogLevel.ERROR) logger.error(obj, text);
      else if (effective === KafkaLogLevel.WARN) logger.warn(obj, text);
      else if (effective === KafkaLogLevel.INFO) logger.info(obj, text);
      else logger.debug(obj, text);
    };
}

function headerToString(value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  // A repeated header arrives as an array: the last one wins, as Kafka's lastHeader() does.
  const one = Array.isArray(value) ? value[value.length - 1] : value;
  if (one === undefined) return undefined;
  return Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

export function toIncoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerToString(value);
    if (text !== undefined) headers[name] = text;
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : '',
    value: message.value ? message.value.toString('utf8') : '',
    headers,
  };
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

export class KafkaTransport implements MessageTransport {
  readonly kind = 'kafka' as const;

  private readonly kafka: Kafka;
  private readonly log: KafkaTransportLogger;
  private readonly minLevel: KafkaLogLevel;
  private readonly options: Required<
    Omit<KafkaTransportOptions, 'brokers' | 'clientId' | 'logLevel' | 'logger'>
  >;
  private readonly producer: Producer;
  private producerConnected?: Promise<void>;
  private admin?: Admin;
  private adminConnected?: Promise<void>;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(options: KafkaTransportOptions) {
    if (!options.brokers || options.brokers.length === 0) {
      throw new Error('KafkaTransport: at least one broker (host:port) is required');
    }
    this.minLevel = LEVELS[options.logLevel ?? 'warn'];
    this.log = options.logger ?? stderrLogger;
    this.options = {
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      numPartitions: options.numPartitions ?? 3,
      replicationFactor: options.replicationFactor ?? 1,
      sessionTimeout: options.sessionTimeout ?? 10_000,
      heartbeatInterval: options.heartbeatInterval ?? 1_000,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 50,
      retryBackoffMs: options.retryBackoffMs ?? 100,
      maxRetryBackoffMs: options.maxRetryBackoffMs ?? 5_000,
    };
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: 3_000,
      requestTimeout: 30_000,
      retry: { initialRetryTime: 100, maxRetryTime: 5_000, retries: 10 },
      logLevel: this.minLevel,
      logCreator: createLogCreator(this.minLevel, this.log),
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
      // Bounded (about 30 s): publish rejects when the broker stays away rather than hanging forever.
      retry: { initialRetryTime: 100, maxRetryTime: 5_000, retries: 10 },
    });
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    if (messages.length === 0) return;
    await this.connectProducer();
    const byTopic = new Map<string, { key: string; value: string; headers?: Record<string, string> }[]>();
    for (const m of messages) {
      let list = byTopic.get(m.topic);
      if (!list) byTopic.set(m.topic, (list = []));
      list.push(
        m.headers ? { key: m.key, value: m.value, headers: m.headers } : { key: m.key, value: m.value },
      );
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
    });
  }

  async ensureTopics(topics: string[]): Promise<void> {
    this.assertOpen();
    const wanted = [...new Set(topics)];
    if (wanted.length === 0) return;
    const admin = await this.connectAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      // false = already existed (another process created it meanwhile): fine either way.
      // kafkajs' own leader wait retries only LEADER_NOT_AVAILABLE and throws on the
      // UNKNOWN_TOPIC_OR_PARTITION a busy broker answers right after creation; our wait below
      // tolerates both.
      await admin.createTopics({
        waitForLeaders: false,
        timeout: 10_000,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: this.options.numPartitions,
          replicationFactor: this.options.replicationFactor,
        })),
      });
    }
    await this.waitForTopicMetadata(admin, wanted);
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    this.assertOpen();
    const { groupId, topics, fromBeginning, handle } = options;
    if (topics.length === 0) throw new Error('KafkaTransport.subscribe: no topics');
    const o = this.options;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: o.sessionTimeout,
      heartbeatInterval: o.heartbeatInterval,
      rebalanceTimeout: Math.max(o.sessionTimeout, 30_000),
      maxWaitTimeInMs: o.maxWaitTimeInMs,
      allowAutoTopicCreation: true,
      retry: { initialRetryTime: 100, maxRetryTime: 5_000, retries: 10 },
    });
    const stopping = new AbortController();
    const failures = new Map<string, number>(); // "topic|partition" -> consecutive handler failures

    const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
      const { batch } = payload;
      const { topic, partition } = batch;
      if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
      const first = batch.messages[0]!;
      const last = batch.messages[batch.messages.length - 1]!;
      const incoming = batch.messages.map((m) => toIncoming(topic, partition, m));

      // Keep the group membership alive while a slow handler runs (heartbeat() is rate-limited
      // to heartbeatInterval by kafkajs; errors surface on the next regular heartbeat).
      const beat = setInterval(() => payload.heartbeat().catch(() => undefined), o.heartbeatInterval);
      let failed: unknown;
      try {
        await handle(incoming);
      } catch (error) {
        failed = error ?? new Error('handler threw');
      } finally {
        clearInterval(beat);
      }

      const slot = `${topic}|${partition}`;
      if (failed === undefined) {
        failures.delete(slot);
        payload.resolveOffset(last.offset);
        await payload.commitOffsetsIfNecessary();
        return;
      }

      // At-least-once: commit nothing, come back to the first message of this batch.
      const attempt = (failures.get(slot) ?? 0) + 1;
      failures.set(slot, attempt);
      const delay = Math.min(o.retryBackoffMs * 2 ** (attempt - 1), o.maxRetryBackoffMs);
      this.log.warn(
        {
          groupId,
          topic,
          partition,
          fromOffset: first.offset,
          toOffset: last.offset,
          attempt,
          retryInMs: delay,
          error: failed instanceof Error ? failed.message : String(failed),
        },
        'message handler failed; the batch will be redelivered',
      );
      await sleep(delay, stopping.signal);
      // Also when stopping: the seek pins the position. kafkajs (auto-commit on) applies it before the
      // next fetch by committing this batch's first offset, so none of the batch is marked done.
      consumer.seek({ topic, partition, offset: first.offset });
    };

    let firstFetch: () => void = () => undefined;
    const fetched = new Promise<void>((resolve) => (firstFetch = resolve));
    let status: SubscriptionStatus = { state: 'running' };
    let crashed: () => void = () => undefined;
    const crash = new Promise<void>((resolve) => (crashed = resolve));
    const removeFetchListener = consumer.on(consumer.events.FETCH, () => firstFetch());
    const removeCrashListener = consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      // kafkajs restarts the consumer after a retriable error; after any other (authorisation, a
      // configuration the broker refuses, ...) nothing more arrives: say so, for readiness checks.
      if (!restart && status.state === 'running') {
        status = { state: 'crashed', error: error.message };
        crashed();
      }
      (restart ? this.log.warn : this.log.error).call(
        this.log,
        { groupId, restart, error: error.message },
        restart ? 'consumer crashed; kafkajs restarts it' : 'consumer crashed and stopped',
      );
    });

    let stopped: Promise<void> | undefined;
    const subscription: Subscription = {
      status: () => status,
      stop: () => {
        if (!stopped) {
          if (status.state === 'running') status = { state: 'stopped' };
          stopping.abort();
          this.subscriptions.delete(subscription);
          stopped = (async () => {
            removeFetchListener();
            try {
              await consumer.disconnect(); // stops fetching, waits for the running batch, leaves the group
            } finally {
              removeCrashListener();
            }
          })();
        }
        return stopped;
      },
    };
    this.subscriptions.add(subscription);

    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning });
      await consumer.run({
        autoCommit: true,
        autoCommitThreshold: 1, // commitOffsetsIfNecessary() commits as soon as an offset is resolved
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
        eachBatch,
      });
      // run() returns once the group is joined; the first fetch has pinned the start positions
      // (a new group with fromBeginning=false sees everything published after subscribe resolved).
      // A consumer that crashed for good (e.g. the broker refused to let it join) returns at once,
      // its status saying why.
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 30_000, 'timeout').unref());
      if ((await Promise.race([fetched, crash, timeout])) === 'timeout') {
        this.log.warn({ groupId, topics }, 'consumer has not fetched within 30 s of joining');
      }
      removeFetchListener();
    } catch (error) {
      await subscription.stop().catch(() => undefined);
      throw error;
    }
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const results = await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    const disconnects: Promise<void>[] = [];
    if (this.producerConnected) disconnects.push(this.producer.disconnect());
    if (this.admin && this.adminConnected) disconnects.push(this.admin.disconnect());
    results.push(...(await Promise.allSettled(disconnects)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('KafkaTransport is closed');
  }

  private connectProducer(): Promise<void> {
    if (!this.producerConnected) {
      this.producerConnected = this.producer.connect().catch((error: unknown) => {
        this.producerConnected = undefined;
        throw error;
      });
    }
    return this.producerConnected;
  }

  private async connectAdmin(): Promise<Admin> {
    if (!this.admin) this.admin = this.kafka.admin();
    const admin = this.admin;
    if (!this.adminConnected) {
      this.adminConnected = admin.connect().catch((error: unknown) => {
        this.adminConnected = undefined;
        throw error;
      });
    }
    await this.adminConnected;
    return admin;
  }

  /** Polls metadata until every topic is listed with all its partitions led by a broker. */
  private async waitForTopicMetadata(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics });
        const ready = topics.every((name) => {
          const t = meta.find((m) => m.name === name);
          return !!t && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0);
        });
        if (ready) return;
        lastError = undefined;
      } catch (error) {
        lastError = error; // UNKNOWN_TOPIC_OR_PARTITION right after creation
      }
      if (Date.now() >= deadline) {
        const why = lastError instanceof Error ? `: ${lastError.message}` : '';
        throw new Error(
          `KafkaTransport.ensureTopics: topics not ready after ${timeoutMs} ms (${topics.join(', ')})${why}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
