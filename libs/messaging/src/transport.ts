/**
 * The project's own messaging interface. Services publish and consume through it only, so the
 * broker client (kafkajs, unmaintained since 2023) stays replaceable, and the embedded default can
 * run on the in-process transport with the same delivery guarantees:
 * - at-least-once: a message is acknowledged only after the handler resolved; a handler that
 *   throws sees the same messages again (consumers must be idempotent);
 * - per-key order: messages with the same key reach a handler in publish order.
 */
export interface OutgoingMessage {
  topic: string;
  /** Partitioning key: user id (store id for store events). */
  key: string;
  /** Serialized JSON value. */
  value: string;
  headers?: Record<string, string>;
  /**
   * Where the message sits in its producer's log (a service's outbox), set by the outbox relay.
   * Not sent over Kafka; the in-process transport records per consumer group how far it handled
   * each log, so a restart replays only what came after.
   */
  logPosition?: LogPosition;
}

export interface LogPosition {
  /** The log's name (e.g. the service whose outbox it is). */
  log: string;
  position: bigint;
}

export interface IncomingMessage extends OutgoingMessage {
  partition: number;
  /** Broker offset within the partition (decimal string, as Kafka reports it). */
  offset: string;
}

export interface Publisher {
  /** Resolves once every message is durably accepted by the transport. */
  publish(messages: OutgoingMessage[]): Promise<void>;
}

export interface SubscriptionOptions {
  /** Consumer group: each group sees every message once (at least once). */
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts. */
  fromBeginning: boolean;
  /** Handles a batch of messages from one partition, in order. Throw to have them redelivered. */
  handle: (messages: IncomingMessage[]) => Promise<void>;
}

export interface SubscriptionStatus {
  /**
   * running: consuming (or retrying on its own after a transient failure: broker away, rebalance);
   * crashed: stopped consuming after an error the client does not retry (nothing more arrives);
   * stopped: `stop()` was called.
   */
  state: 'running' | 'crashed' | 'stopped';
  /** The error that crashed it. */
  error?: string;
}

export interface Subscription {
  /** Whether messages still arrive (readiness checks). */
  status(): SubscriptionStatus;
  stop(): Promise<void>;
}

export interface MessageTransport extends Publisher {
  readonly kind: 'kafka' | 'in-process';
  /** Creates topics that do not exist yet (no-op where topics need no creation). */
  ensureTopics(topics: string[]): Promise<void>;
  subscribe(options: SubscriptionOptions): Promise<Subscription>;
  close(): Promise<void>;
}
