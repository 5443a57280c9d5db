import type {
  IncomingMessage,
  MessageTransport,
  OutgoingMessage,
  Subscription,
  SubscriptionOptions,
  SubscriptionStatus,
} from '../transport';

/**
 * A log the in-process transport can replay: a service's outbox, read in position order. The
 * consumer groups' positions in it are kept next to it (as Kafka keeps offsets in the broker).
 */
export interface ReplaySource {
  /** The log's name: messages whose `logPosition.log` is this name are its rows. */
  readonly log: string;
  /** Messages of some topics after `after`, in position order, at most `limit`. */
  read(topics: string[], after: bigint, limit: number): Promise<Array<OutgoingMessage & { position: bigint }>>;
  /** The position of the last message: where a group that does not start from the beginning starts. */
  end(): Promise<bigint>;
  /** The last position the group committed, undefined for a group new to this log. */
  committed(groupId: string): Promise<bigint | undefined>;
  commit(groupId: string, position: bigint): Promise<void>;
}

/** The messages of one publish queued for a group; `settle` when the publisher waits for their handling. */
interface Queued {
  messages: IncomingMessage[];
  settle?: { resolve: () => void; reject: (error: unknown) => void };
}

interface Group {
  options: SubscriptionOptions;
  /** Queued publishes, oldest first. */
  backlog: Queued[];
  /** One delivery loop per group, so deliveries run one after another: per-key (indeed total) order. */
  delivering: boolean;
  delivered: Promise<void>;
  /** While subscribing: live publishes wait behind the replay. */
  replaying: boolean;
  /** Messages queued for the group so far, and how many of them are done (handled, or dropped at stop). */
  queued: number;
  done: number;
  /** Who waits for `done` to reach a count: publishers held back by backpressure, and `idle()`. */
  waiters: Set<{ until: number; resolve: () => void }>;
  stopped: boolean;
  /** Cuts a delivery's retry backoff short (at stop). */
  interruptBackoff?: () => void;
  /** Per log: the highest position handled, and the one last committed. */
  handled: Map<string, bigint>;
  committed: Map<string, bigint>;
  commitTimer?: NodeJS.Timeout;
  committing: Promise<void>;
}

export interface InProcessTransportOptions {
  /**
   * Delivery attempts of the backlog a group replays while subscribing, before `subscribe`
   * rejects. Default 3. (A live delivery is retried until it succeeds or the group stops.)
   */
  attempts?: number;
  /** Delay before the first retry of a delivery; it doubles per attempt. Default 50 ms. */
  retryDelayMs?: number;
  /** Cap of the retry delay. Default 5 000 ms. */
  maxRetryDelayMs?: number;
  /** Backpressure: `publish` waits while more than this many messages are queued ahead of its own for a group. Default 2 000. */
  maxPending?: number;
  /** Queued publishes are handed to the handler together, up to this many messages per call. Default 1 000. */
  maxBatchSize?: number;
  /** How long handled positions may wait before they are committed. Default 1 000 ms. */
  commitIntervalMs?: number;
  /** Messages per replay read. Default 1 000. */
  replayBatchSize?: number;
  onCommitError?: (error: unknown) => void;
  /** A delivery failed and will be retried (the group does not move past it meanwhile). */
  onDeliveryError?: (error: unknown, groupId: string, attempt: number) => void;
}

/**
 * The embedded default's transport: same guarantees as the Kafka adapter, no broker.
 *
 * Here the outbox is the durable log (as the partition is for Kafka): a consumer group's position
 * in each replay source (a service's outbox) is committed next to it, and a group subscribing
 * replays every committed row after that position. So `publish` resolves once the messages are
 * queued for every subscribed group — a broker's ack, not the consumer's — and the outbox relay
 * commits and claims its next batch while the consumers still handle this one. A message that is
 * in no replay source (no `logPosition` of one; e.g. a dead letter) is durable only once handled:
 * publishing it resolves after every group handled it, and rejects if one stopped first.
 *
 * Per group, deliveries run one at a time in publish order; what queued meanwhile is handed over
 * in one call (up to `maxBatchSize` messages), as a Kafka fetch returns what accumulated, so a
 * busy consumer takes larger batches instead of falling behind. One that fails is retried (backoff
 * doubling up to `maxRetryDelayMs`) until it succeeds: the group does not move past it, and the
 * positions committed never pass an unhandled message — a group blocked on a failing batch is a
 * stuck Kafka partition, and a restart replays from its last handled position (at-least-once).
 * Backpressure: `publish` waits while more than `maxPending` messages are queued ahead of its own
 * for a group. `stop` lets the delivery in progress finish (a failing one is not retried any
 * more), drops what is queued behind it (still in the log: the next subscription replays it) and
 * commits what was handled. `idle()` resolves once what was queued so far is done (tests).
 *
 * A group subscribing replays the replay sources from the position it committed there, or — new
 * to a log — from the start (`fromBeginning`) or the end. The group is registered before the
 * replay, so what is published meanwhile queues behind the replay (nothing falls between the
 * replay's last read and the registration; a message seen twice is a duplicate the consumer
 * skips). Handled positions are committed to the sources at most every `commitIntervalMs` and on
 * stop, so a restart replays only what came after (at-least-once).
 */
export class InProcessTransport implements MessageTransport {
  readonly kind = 'in-process' as const;
  private readonly groups = new Set<Group>();
  private readonly replaySources: ReplaySource[] = [];
  private offset = 0n;

  constructor(private readonly options: InProcessTransportOptions = {}) {}

  addReplaySource(source: ReplaySource): void {
    this.replaySources.push(source);
  }

  async ensureTopics(): Promise<void> {}

  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const incoming = messages.map((message) => this.toIncoming(message));
    const logs = new Set(this.replaySources.map((source) => source.log));
    const durable = messages.every(({ logPosition }) => logPosition && logs.has(logPosition.log));
    const maxPending = this.options.maxPending ?? 2_000;
    // Queued for every group at once, synchronously: concurrent publishes keep their order.
    const accepted = [...this.groups].flatMap((group) => {
      const mine = incoming.filter((message) => group.options.topics.includes(message.topic));
      if (!mine.length) return [];
      const ahead = group.queued;
      group.queued += mine.length;
      if (durable) {
        group.backlog.push({ messages: mine });
        this.startDelivering(group);
        return [this.doneUpTo(group, ahead - maxPending)];
      }
      const handled = new Promise<void>((resolve, reject) => group.backlog.push({ messages: mine, settle: { resolve, reject } }));
      this.startDelivering(group);
      return [handled];
    });
    await Promise.all(accepted);
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    const group: Group = {
      options,
      backlog: [],
      delivering: false,
      delivered: Promise.resolve(),
      replaying: true,
      queued: 0,
      done: 0,
      waiters: new Set(),
      stopped: false,
      handled: new Map(),
      committed: new Map(),
      committing: Promise.resolve(),
    };
    this.groups.add(group);
    try {
      await this.replay(group);
    } catch (error) {
      await this.stopGroup(group);
      throw error;
    }
    group.replaying = false;
    this.startDelivering(group);
    return {
      status: (): SubscriptionStatus => ({ state: group.stopped ? 'stopped' : 'running' }),
      stop: () => this.stopGroup(group),
    };
  }

  /** Resolves once every message queued so far is done: handled, or dropped by a stop (tests, drains). */
  async idle(): Promise<void> {
    await Promise.all([...this.groups].map((group) => this.doneUpTo(group, group.queued)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.groups].map((group) => this.stopGroup(group)));
  }

  private async stopGroup(group: Group): Promise<void> {
    group.stopped = true;
    group.interruptBackoff?.();
    this.groups.delete(group);
    group.replaying = false;
    this.startDelivering(group); // settles what is queued (dropped: the group stopped)
    await group.delivered;
    await this.commit(group);
  }

  private toIncoming(message: OutgoingMessage): IncomingMessage {
    this.offset += 1n;
    return { ...message, headers: message.headers ?? {}, partition: 0, offset: this.offset.toString() };
  }

  private async replay(group: Group): Promise<void> {
    const { groupId, topics, fromBeginning } = group.options;
    const limit = this.options.replayBatchSize ?? 1000;
    for (const source of this.replaySources) {
      let after = await source.committed(groupId);
      if (after !== undefined) group.committed.set(source.log, after);
      else after = fromBeginning ? 0n : await source.end();
      this.markHandled(group, source.log, after);
      for (;;) {
        const batch = await source.read(topics, after, limit);
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!.position;
        await this.deliver(
          group,
          batch.map(({ position, ...message }) => this.toIncoming({ ...message, logPosition: { log: source.log, position } })),
          this.options.attempts ?? 3,
        );
      }
    }
  }

  private startDelivering(group: Group): void {
    if (group.delivering || group.replaying || !group.backlog.length) return;
    group.delivering = true;
    group.delivered = this.deliverBacklog(group);
  }

  /** Delivers the backlog until it is empty, what queued meanwhile together (a stopped group drops it). */
  private async deliverBacklog(group: Group): Promise<void> {
    const maxBatchSize = this.options.maxBatchSize ?? 1_000;
    while (group.backlog.length) {
      const taken = [group.backlog.shift()!];
      let size = taken[0]!.messages.length;
      while (group.backlog.length && size + group.backlog[0]!.messages.length <= maxBatchSize) {
        taken.push(group.backlog.shift()!);
        size += taken[taken.length - 1]!.messages.length;
      }
      try {
        await this.deliver(group, taken.flatMap((queued) => queued.messages), Infinity);
        for (const queued of taken) queued.settle?.resolve();
      } catch (error) {
        for (const queued of taken) queued.settle?.reject(error);
      }
      group.done += size;
      for (const waiter of group.waiters)
        if (group.done >= waiter.until) {
          group.waiters.delete(waiter);
          waiter.resolve();
        }
    }
    group.delivering = false;
  }

  private doneUpTo(group: Group, count: number): Promise<void> {
    if (group.done >= count) return Promise.resolve();
    return new Promise((resolve) => group.waiters.add({ until: count, resolve }));
  }

  /**
   * Hands the messages to the group's handler, retrying a failure (up to `attempts`) while the
   * group runs. Rejects, leaving the positions where they are, once it gives up: a stopped group
   * also drops what is queued behind (each delivery checks first), so it never moves past a gap.
   */
  private async deliver(group: Group, messages: IncomingMessage[], attempts: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (group.stopped) throw new Error(`consumer group ${group.options.groupId} stopped`);
      try {
        await group.options.handle(messages);
        break;
      } catch (error) {
        if (attempt >= attempts || group.stopped) throw error;
        this.options.onDeliveryError?.(error, group.options.groupId, attempt);
        const delay = Math.min(this.options.maxRetryDelayMs ?? 5_000, (this.options.retryDelayMs ?? 50) * 2 ** (attempt - 1));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          group.interruptBackoff = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        group.interruptBackoff = undefined;
      }
    }
    for (const { logPosition } of messages) if (logPosition) this.markHandled(group, logPosition.log, logPosition.position);
  }

  private markHandled(group: Group, log: string, position: bigint): void {
    if (position <= (group.handled.get(log) ?? -1n)) return;
    group.handled.set(log, position);
    if (!group.commitTimer && !group.stopped)
      group.commitTimer = setTimeout(() => void this.commit(group), this.options.commitIntervalMs ?? 1_000).unref();
  }

  /** Commits what the group handled since the last commit (one commit at a time per group). */
  private commit(group: Group): Promise<void> {
    clearTimeout(group.commitTimer);
    group.commitTimer = undefined;
    group.committing = group.committing.then(async () => {
      for (const source of this.replaySources) {
        const handled = group.handled.get(source.log);
        if (handled === undefined || handled === group.committed.get(source.log)) continue;
        try {
          await source.commit(group.options.groupId, handled);
          group.committed.set(source.log, handled);
        } catch (error) {
          // The next commit tries again; meanwhile a restart replays a little more (duplicates).
          this.options.onCommitError?.(error);
        }
      }
    });
    return group.committing;
  }
}
