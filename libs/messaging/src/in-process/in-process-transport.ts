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

interface Group {
  options: SubscriptionOptions;
  /** Deliveries to one group run one after another: per-key (indeed total) order. */
  queue: Promise<void>;
  stopped: boolean;
  /** Per log: the highest position handled, and the one last committed. */
  handled: Map<string, bigint>;
  committed: Map<string, bigint>;
  commitTimer?: NodeJS.Timeout;
  committing: Promise<void>;
}

export interface InProcessTransportOptions {
  /** Delivery attempts before publish rejects (the relay then publishes again later). Default 3. */
  attempts?: number;
  /** Delay before the n-th retry: n × this. Default 50 ms. */
  retryDelayMs?: number;
  /** How long handled positions may wait before they are committed. Default 1 000 ms. */
  commitIntervalMs?: number;
  /** Messages per replay read. Default 1 000. */
  replayBatchSize?: number;
  onCommitError?: (error: unknown) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The embedded default's transport: same guarantees as the Kafka adapter, no broker.
 * `publish` resolves only after every subscribed group's handler accepted the messages, so the
 * outbox relay marks rows published only once they are handled (at-least-once). A handler that
 * keeps failing makes `publish` reject, and the relay tries the rows again later.
 *
 * A group subscribing replays the replay sources (the services' outboxes) from the position it
 * committed there, or — new to a log — from the start (`fromBeginning`) or the end. The group is
 * registered before the replay, so what is published meanwhile queues behind the replay (nothing
 * falls between the replay's last read and the registration; a message seen twice is a duplicate
 * the consumer skips). Handled positions are committed to the sources at most every
 * `commitIntervalMs` and on stop, so a restart replays only what came after (at-least-once).
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
    await Promise.all(
      [...this.groups].map((group) => {
        const mine = incoming.filter((message) => group.options.topics.includes(message.topic));
        return mine.length ? this.enqueue(group, () => this.deliver(group, mine)) : undefined;
      }),
    );
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    const group: Group = {
      options,
      queue: Promise.resolve(),
      stopped: false,
      handled: new Map(),
      committed: new Map(),
      committing: Promise.resolve(),
    };
    this.groups.add(group);
    try {
      await this.enqueue(group, () => this.replay(group));
    } catch (error) {
      group.stopped = true;
      this.groups.delete(group);
      throw error;
    }
    const subscription: Subscription = {
      status: (): SubscriptionStatus => ({ state: group.stopped ? 'stopped' : 'running' }),
      stop: async () => {
        group.stopped = true;
        this.groups.delete(group);
        await group.queue.catch(() => undefined);
        await this.commit(group);
      },
    };
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.groups].map(async (group) => {
        await group.queue.catch(() => undefined);
        await this.commit(group);
      }),
    );
    this.groups.clear();
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
        );
      }
    }
  }

  private enqueue(group: Group, task: () => Promise<void>): Promise<void> {
    const run = group.queue.then(task);
    group.queue = run.catch(() => undefined);
    return run;
  }

  private async deliver(group: Group, messages: IncomingMessage[]): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      if (group.stopped) throw new Error(`consumer group ${group.options.groupId} stopped`);
      try {
        await group.options.handle(messages);
        break;
      } catch (error) {
        if (attempt >= attempts) throw error;
        await sleep((this.options.retryDelayMs ?? 50) * attempt);
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
