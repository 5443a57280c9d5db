import type { IncomingMessage, OutgoingMessage } from '../transport';
import { InProcessTransport, type ReplaySource } from './in-process-transport';

/** An in-memory log with committed group positions (stands in for a service's outbox). */
const memoryLog = (log: string, messages: OutgoingMessage[] = []) => {
  const rows = messages.map((message, i) => ({ ...message, position: BigInt(i + 1) }));
  const offsets = new Map<string, bigint>();
  const reads: bigint[] = [];
  let pause: { until: Promise<void>; after: bigint } | undefined;
  const source: ReplaySource & {
    append(message: OutgoingMessage): OutgoingMessage;
    offsets: typeof offsets;
    reads: bigint[];
    /** The read after `after` answers from what is there now, but only once `until` resolves (a slow query). */
    pauseRead(after: bigint, until: Promise<void>): void;
  } = {
    log,
    offsets,
    reads,
    pauseRead: (after, until) => (pause = { after, until }),
    append: (message) => {
      const position = BigInt(rows.length + 1);
      rows.push({ ...message, position });
      return { ...message, logPosition: { log, position } };
    },
    read: async (topics, after, limit) => {
      reads.push(after);
      const result = rows.filter((row) => row.position > after && topics.includes(row.topic)).slice(0, limit);
      if (pause?.after === after) await pause.until;
      return result;
    },
    end: async () => BigInt(rows.length),
    committed: async (groupId) => offsets.get(groupId),
    commit: async (groupId, position) => void offsets.set(groupId, position),
  };
  return source;
};
const msg = (key: string, n: number, topic = 't'): OutgoingMessage => ({ topic, key, value: `${key}#${n}` });
const values = (messages: IncomingMessage[]) => messages.map((m) => m.value);
const tick = () => new Promise((resolve) => setImmediate(resolve));
/** Waits (a bounded number of timer turns) until `condition` holds; the caller then asserts it. */
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
};
const gate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

describe('InProcessTransport (the embedded default transport)', () => {
  it('publish resolves once a message of a replay source is queued, before it is handled; idle() once it is handled', async () => {
    const log = memoryLog('identity');
    const transport = new InProcessTransport();
    transport.addReplaySource(log);
    const { opened, open } = gate();
    const handled: string[] = [];
    await transport.subscribe({ groupId: 'slow', topics: ['t'], fromBeginning: false, handle: async (m) => { await opened; handled.push(...values(m)); } });
    await transport.publish([log.append(msg('k', 1))]);
    expect(handled).toEqual([]);
    let idle = false;
    const idling = transport.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    open();
    await idling;
    expect(handled).toEqual(['k#1']);
  });

  it('publish of a message in no replay source (a dead letter) resolves only after every subscribed group handled it', async () => {
    const transport = new InProcessTransport();
    const { opened, open } = gate();
    const handled: string[] = [];
    await transport.subscribe({ groupId: 'slow', topics: ['t'], fromBeginning: false, handle: async (m) => { await opened; handled.push(...values(m)); } });
    await transport.subscribe({ groupId: 'other-topic', topics: ['u'], fromBeginning: false, handle: async () => { throw new Error('not mine'); } });
    let resolved = false;
    const publishing = transport.publish([msg('k', 1)]).then(() => (resolved = true));
    await tick();
    expect(resolved).toBe(false);
    open();
    await publishing;
    expect(handled).toEqual(['k#1']);
  });

  it('retries a failing delivery until it succeeds, and only then delivers what was published after it', async () => {
    const log = memoryLog('identity');
    const errors: number[] = [];
    const transport = new InProcessTransport({ retryDelayMs: 1, onDeliveryError: (_error, _group, attempt) => errors.push(attempt) });
    transport.addReplaySource(log);
    let calls = 0;
    const handled: string[] = [];
    await transport.subscribe({
      groupId: 'flaky',
      topics: ['t'],
      fromBeginning: false,
      handle: async (m) => {
        if (++calls <= 4) throw new Error('transient');
        handled.push(...values(m));
      },
    });
    await transport.publish([log.append(msg('k', 1))]);
    await transport.publish([log.append(msg('k', 2))]);
    await transport.idle();
    expect({ handled, errors }).toEqual({ handled: ['k#1', 'k#2'], errors: [1, 2, 3, 4] });
  });

  it('keeps publish order per group, whatever publishes run at once and however often deliveries fail', async () => {
    const log = memoryLog('identity');
    // Small batches: queued publishes are handed over together, up to 3 messages per call here.
    const transport = new InProcessTransport({ retryDelayMs: 1, maxBatchSize: 3 });
    transport.addReplaySource(log);
    const handled: string[] = [];
    let failures = 0;
    let call = 0;
    await transport.subscribe({
      groupId: 'ordered',
      topics: ['t'],
      fromBeginning: false,
      handle: async (m) => {
        await new Promise((resolve) => setTimeout(resolve, call % 3));
        if (++call % 3 === 0) {
          failures++;
          throw new Error('every third delivery fails');
        }
        handled.push(...values(m));
      },
    });
    const expected: string[] = [];
    const publishes: Promise<void>[] = [];
    for (let n = 0; n < 20; n++) {
      const batch = [log.append(msg('a', n)), log.append(msg('b', n))];
      expected.push(`a#${n}`, `b#${n}`);
      publishes.push(transport.publish(batch));
      if (n % 2) publishes.push(transport.publish([msg('c', n)])); // not in the log: waits for its handling
      if (n % 2) expected.push(`c#${n}`);
    }
    await Promise.all(publishes);
    await transport.idle();
    expect(failures).toBeGreaterThan(5);
    expect(handled).toEqual(expected);
  });

  it('backpressure: publish waits while more than maxPending messages are queued ahead of its own for a group; what queued is handed over together', async () => {
    const log = memoryLog('identity');
    const transport = new InProcessTransport({ maxPending: 2 });
    transport.addReplaySource(log);
    const { opened, open } = gate();
    const calls: string[][] = [];
    await transport.subscribe({ groupId: 'slow', topics: ['t'], fromBeginning: false, handle: async (m) => { calls.push(values(m)); await opened; } });
    const resolved: number[] = [];
    const publishes = [1, 2, 3, 4, 5].map((n) => transport.publish([log.append(msg('k', n))]).then(() => void resolved.push(n)));
    await until(() => resolved.length >= 3);
    await tick();
    expect(resolved).toEqual([1, 2, 3]); // the 4th and 5th have 3 and 4 messages queued ahead
    open();
    await Promise.all(publishes);
    expect(resolved).toEqual([1, 2, 3, 4, 5]);
    await transport.idle();
    expect(calls).toEqual([['k#1'], ['k#2', 'k#3', 'k#4', 'k#5']]);
  });

  it('never commits a position past a message its handler has not handled; a restart replays from there', async () => {
    const log = memoryLog('identity');
    const first = new InProcessTransport({ retryDelayMs: 1, commitIntervalMs: 1 });
    first.addReplaySource(log);
    const handled: string[] = [];
    let attemptsOfSecond = 0;
    const subscription = await first.subscribe({
      groupId: 'audit',
      topics: ['t'],
      fromBeginning: true,
      handle: async (m) => {
        if (values(m).includes('k#2')) {
          attemptsOfSecond++;
          throw new Error('k#2 cannot be handled now');
        }
        handled.push(...values(m));
      },
    });
    await first.publish([log.append(msg('k', 1))]);
    await first.publish([log.append(msg('k', 2))]);
    await first.publish([log.append(msg('k', 3))]);
    await until(() => attemptsOfSecond >= 5);
    expect(attemptsOfSecond).toBeGreaterThanOrEqual(5);
    expect(log.offsets.get('audit')).toBe(1n); // committed on its timer while k#2 keeps failing
    await subscription.stop();
    expect(handled).toEqual(['k#1']);
    expect(log.offsets.get('audit')).toBe(1n);

    const restarted = new InProcessTransport();
    restarted.addReplaySource(log);
    const again: string[] = [];
    await restarted.subscribe({ groupId: 'audit', topics: ['t'], fromBeginning: true, handle: async (m) => void again.push(...values(m)) });
    expect(again).toEqual(['k#2', 'k#3']);
  });

  it('stop during a retry backoff ends the retry at once, drops what is queued (replayed later), and rejects publishes waiting for their handling', async () => {
    const log = memoryLog('identity');
    const transport = new InProcessTransport({ retryDelayMs: 3_600_000, maxRetryDelayMs: 3_600_000, commitIntervalMs: 60_000 });
    transport.addReplaySource(log);
    let calls = 0;
    const subscription = await transport.subscribe({
      groupId: 'stuck',
      topics: ['t'],
      fromBeginning: true,
      handle: async () => {
        calls++;
        throw new Error('always');
      },
    });
    await transport.publish([log.append(msg('k', 1))]);
    const waitingForHandling = transport.publish([msg('dead-letter', 1)]);
    await until(() => calls === 1);
    await subscription.stop(); // would wait an hour if the backoff were not cut short
    await expect(waitingForHandling).rejects.toThrow('stopped');
    expect(calls).toBe(1);
    expect(log.offsets.get('stuck')).toBe(0n); // the replay's start; never past k#1
    expect(subscription.status().state).toBe('stopped');
  });

  it('a group that cannot handle its replayed backlog fails to subscribe, and commits nothing past it', async () => {
    const log = memoryLog('identity', [msg('k', 1), msg('k', 2)]);
    const transport = new InProcessTransport({ attempts: 2, retryDelayMs: 1 });
    transport.addReplaySource(log);
    await expect(
      transport.subscribe({ groupId: 'broken', topics: ['t'], fromBeginning: true, handle: async () => { throw new Error('always'); } }),
    ).rejects.toThrow('always');
    expect(log.offsets.get('broken')).toBe(0n); // where it started, nothing past k#1
    await transport.publish([log.append(msg('k', 3))]); // nobody subscribed any more
  });

  it('replays the sources for a new group from the beginning, and only new messages for one that starts at the end', async () => {
    const identity = memoryLog('identity', [msg('s', 1, 'id'), msg('x', 1, 'other'), msg('s', 2, 'id')]);
    const totp = memoryLog('totp', [msg('u', 1, 'totp')]);
    const transport = new InProcessTransport();
    transport.addReplaySource(identity);
    transport.addReplaySource(totp);
    const all: string[] = [];
    await transport.subscribe({ groupId: 'all', topics: ['id', 'totp'], fromBeginning: true, handle: async (m) => void all.push(...values(m)) });
    expect(all).toEqual(['s#1', 's#2', 'u#1']);
    const fresh: string[] = [];
    await transport.subscribe({ groupId: 'fresh', topics: ['id'], fromBeginning: false, handle: async (m) => void fresh.push(...values(m)) });
    await transport.publish([identity.append(msg('s', 3, 'id'))]);
    await transport.idle();
    expect(fresh).toEqual(['s#3']);
    expect(all).toEqual(['s#1', 's#2', 'u#1', 's#3']);
  });

  it('L11: registers the group before replaying: what is published during the replay comes after it, nothing lost', async () => {
    const log = memoryLog('identity', [msg('k', 1), msg('k', 2)]);
    const transport = new InProcessTransport();
    transport.addReplaySource(log);
    let release: () => void = () => undefined;
    // The replay's last read (it finds nothing after k#2) is slow to answer ...
    log.pauseRead(2n, new Promise<void>((resolve) => (release = resolve)));
    const handled: string[] = [];
    const subscribing = transport.subscribe({ groupId: 'rebuild', topics: ['t'], fromBeginning: true, handle: async (m) => void handled.push(...values(m)) });
    for (let i = 0; i < 10 && log.reads.length < 2; i++) await tick();
    expect(log.reads).toEqual([0n, 2n]);
    // ... and meanwhile the relay publishes a new row: the replay did not see it, live delivery must.
    const publishing = transport.publish([log.append(msg('k', 3))]);
    await tick();
    release();
    await subscribing;
    await publishing;
    await transport.idle();
    expect(handled).toEqual(['k#1', 'k#2', 'k#3']);
  });

  it('commits handled positions per log; a restarted transport replays only what came after', async () => {
    const log = memoryLog('identity', [msg('k', 1), msg('k', 2)]);
    const first = new InProcessTransport({ commitIntervalMs: 60_000 });
    first.addReplaySource(log);
    const handled: string[] = [];
    const subscription = await first.subscribe({ groupId: 'audit', topics: ['t'], fromBeginning: true, handle: async (m) => void handled.push(...values(m)) });
    await first.publish([log.append(msg('k', 3))]); // live, from the relay
    await first.idle(); // stop would drop what is still queued (the next subscription replays it)
    await subscription.stop(); // commits what was handled
    expect(log.offsets.get('audit')).toBe(3n);
    log.append(msg('k', 4)); // appended (and maybe published) while the process was down

    const restarted = new InProcessTransport();
    restarted.addReplaySource(log);
    const again: string[] = [];
    await restarted.subscribe({ groupId: 'audit', topics: ['t'], fromBeginning: true, handle: async (m) => void again.push(...values(m)) });
    expect(again).toEqual(['k#4']);
    expect(log.reads[log.reads.length - 1]).toBe(4n);
    // A rebuild is a new group: everything again.
    const rebuilt: string[] = [];
    await restarted.subscribe({ groupId: 'audit-rebuild', topics: ['t'], fromBeginning: true, handle: async (m) => void rebuilt.push(...values(m)) });
    expect(rebuilt).toEqual(['k#1', 'k#2', 'k#3', 'k#4']);
    await restarted.close();
    expect(log.offsets.get('audit-rebuild')).toBe(4n);
  });
});
