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

describe('InProcessTransport (the embedded default transport)', () => {
  it('publish resolves only after every subscribed group handled the messages', async () => {
    const transport = new InProcessTransport();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    await transport.subscribe({ groupId: 'slow', topics: ['t'], fromBeginning: false, handle: async (m) => { await gate; handled.push(...values(m)); } });
    await transport.subscribe({ groupId: 'other-topic', topics: ['u'], fromBeginning: false, handle: async () => { throw new Error('not mine'); } });
    let resolved = false;
    const publishing = transport.publish([msg('k', 1)]).then(() => (resolved = true));
    await tick();
    expect(resolved).toBe(false);
    release();
    await publishing;
    expect(handled).toEqual(['k#1']);
  });

  it('retries a failing handler; one that keeps failing makes publish reject (the relay publishes again)', async () => {
    const transport = new InProcessTransport({ attempts: 3, retryDelayMs: 1 });
    let calls = 0;
    const handled: string[] = [];
    const subscription = await transport.subscribe({
      groupId: 'flaky',
      topics: ['t'],
      fromBeginning: false,
      handle: async (m) => {
        if (++calls <= 2) throw new Error('transient');
        handled.push(...values(m));
      },
    });
    await transport.publish([msg('k', 1)]);
    expect({ calls, handled }).toEqual({ calls: 3, handled: ['k#1'] });
    await subscription.stop();

    await transport.subscribe({ groupId: 'broken', topics: ['t'], fromBeginning: false, handle: async () => { throw new Error('always'); } });
    await expect(transport.publish([msg('k', 2)])).rejects.toThrow('always');
  });

  it('keeps publish order per group, whatever publishes run at once', async () => {
    const transport = new InProcessTransport();
    const handled: string[] = [];
    await transport.subscribe({
      groupId: 'ordered',
      topics: ['t'],
      fromBeginning: false,
      handle: async (m) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        handled.push(...values(m));
      },
    });
    const expected: string[] = [];
    const publishes: Promise<void>[] = [];
    for (let n = 0; n < 20; n++) {
      const batch = [msg('a', n), msg('b', n)];
      expected.push(...values(batch as IncomingMessage[]));
      publishes.push(transport.publish(batch));
    }
    await Promise.all(publishes);
    expect(handled).toEqual(expected);
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
    expect(handled).toEqual(['k#1', 'k#2', 'k#3']);
  });

  it('commits handled positions per log; a restarted transport replays only what came after', async () => {
    const log = memoryLog('identity', [msg('k', 1), msg('k', 2)]);
    const first = new InProcessTransport({ commitIntervalMs: 60_000 });
    first.addReplaySource(log);
    const handled: string[] = [];
    const subscription = await first.subscribe({ groupId: 'audit', topics: ['t'], fromBeginning: true, handle: async (m) => void handled.push(...values(m)) });
    await first.publish([log.append(msg('k', 3))]); // live, from the relay
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
