import type {
  IncomingMessage,
  MessageTransport,
  OutgoingMessage,
  Subscription,
  SubscriptionOptions,
} from '../transport';

/** Reads already-published messages of some topics, in publish order (e.g. a service's outbox). */
export type ReplaySource = (
  topics: string[],
  after: bigint,
) => Promise<Array<OutgoingMessage & { position: bigint }>>;

interface Group {
  options: SubscriptionOptions;
  /** Deliveries to one group run one after another: per-key (indeed total) order. */
  queue: Promise<void>;
  stopped: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The embedded default's transport: same guarantees as the Kafka adapter, no broker.
 * `publish` resolves only after every subscribed group's handler accepted the messages, so the
 * outbox relay marks rows published only once they are handled (at-least-once). A handler that
 * keeps failing makes `publish` reject, and the relay tries the rows again later.
 * A group subscribing with `fromBeginning` first replays what the replay sources have published.
 */
export class InProcessTransport implements MessageTransport {
  readonly kind = 'in-process' as const;
  private readonly groups = new Set<Group>();
  private readonly replaySources: ReplaySource[] = [];
  private offset = 0n;

  constructor(private readonly options: { attempts?: number; retryDelayMs?: number } = {}) {}

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
        return mine.length ? this.enqueue(group, mine) : undefined;
      }),
    );
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    const group: Group = { options, queue: Promise.resolve(), stopped: false };
    if (options.fromBeginning) await this.replay(group);
    this.groups.add(group);
    return {
      stop: async () => {
        group.stopped = true;
        this.groups.delete(group);
        await group.queue.catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.groups].map((group) => group.queue.catch(() => undefined)));
    this.groups.clear();
  }

  private toIncoming(message: OutgoingMessage): IncomingMessage {
    this.offset += 1n;
    return { ...message, headers: message.headers ?? {}, partition: 0, offset: this.offset.toString() };
  }

  private async replay(group: Group): Promise<void> {
    for (const source of this.replaySources) {
      let after = 0n;
      for (;;) {
        const batch = await source(group.options.topics, after);
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!.position;
        await this.deliver(group, batch.map(({ position: _position, ...message }) => this.toIncoming(message)));
      }
    }
  }

  private enqueue(group: Group, messages: IncomingMessage[]): Promise<void> {
    const delivery = group.queue.then(() => this.deliver(group, messages));
    group.queue = delivery.catch(() => undefined);
    return delivery;
  }

  private async deliver(group: Group, messages: IncomingMessage[]): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      if (group.stopped) throw new Error(`consumer group ${group.options.groupId} stopped`);
      try {
        return await group.options.handle(messages);
      } catch (error) {
        if (attempt >= attempts) throw error;
        await sleep((this.options.retryDelayMs ?? 50) * attempt);
      }
    }
  }
}
