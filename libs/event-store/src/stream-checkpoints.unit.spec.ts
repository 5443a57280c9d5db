import { sequenceStreamEvents, type StreamVersionRef } from './stream-checkpoints';

type E = StreamVersionRef & { tag?: string };
const e = (streamId: string, streamVersion: number, tag?: string): E => ({ streamId, streamVersion, ...(tag ? { tag } : {}) });
const refs = (events: E[]) => events.map((x) => `${x.streamId}@${x.streamVersion}${x.tag ? `:${x.tag}` : ''}`);

describe('sequenceStreamEvents (per-stream order, gaps parked)', () => {
  const acceptAll = () => true;

  it('applies the next versions in order and skips what was applied (or repeated in the batch)', () => {
    const batch = [e('s-a', 2), e('s-a', 3), e('s-b', 1), e('s-a', 3), e('s-b', 2)];
    const result = sequenceStreamEvents(batch, { applied: new Map([['s-a', 2]]), parked: [] }, acceptAll);
    expect(refs(result.applied)).toEqual(['s-a@3', 's-b@1', 's-b@2']);
    expect(refs(result.duplicates)).toEqual(['s-a@2', 's-a@3']);
    expect(result.advanced).toEqual([
      { streamId: 's-a', from: 2, to: 3 },
      { streamId: 's-b', from: undefined, to: 2 },
    ]);
    expect(result.parked).toEqual([]);
  });

  it('parks a version after a gap and applies it, in order, once the gap fills (v2 before v1)', () => {
    const first = sequenceStreamEvents([e('s', 2), e('s', 3)], { applied: new Map(), parked: [] }, acceptAll);
    expect(first.applied).toEqual([]);
    expect(refs(first.parked)).toEqual(['s@2', 's@3']);
    expect(first.advanced).toEqual([]);

    const order: string[] = [];
    const second = sequenceStreamEvents([e('s', 1)], { applied: new Map(), parked: first.parked }, (x) => {
      order.push(`${x.streamVersion}`);
      return true;
    });
    expect(order).toEqual(['1', '2', '3']);
    expect(second.advanced).toEqual([{ streamId: 's', from: undefined, to: 3 }]);
    expect(second.unparked).toEqual([
      { streamId: 's', streamVersion: 2 },
      { streamId: 's', streamVersion: 3 },
    ]);
    expect(second.parked).toEqual([]);
  });

  it('within one batch: a later version first, then the missing one', () => {
    const result = sequenceStreamEvents([e('s', 3), e('s', 2), e('s', 1)], { applied: new Map(), parked: [] }, acceptAll);
    expect(refs(result.applied)).toEqual(['s@1', 's@2', 's@3']);
    expect(result.parked).toEqual([]);
  });

  it('never drops: a gap that stays open keeps its events parked; a parked version seen again is a duplicate', () => {
    const result = sequenceStreamEvents(
      [e('s', 5, 'again'), e('s', 4)],
      { applied: new Map([['s', 2]]), parked: [e('s', 5, 'first')] },
      acceptAll,
    );
    expect(result.applied).toEqual([]);
    expect(refs(result.duplicates)).toEqual(['s@5:again']);
    expect(refs(result.parked)).toEqual(['s@4']);
    expect(result.unparked).toEqual([]);
  });

  it('removes parked events at or below the checkpoint (applied elsewhere meanwhile)', () => {
    const result = sequenceStreamEvents([], { applied: new Map([['s', 4]]), parked: [e('s', 3), e('s', 6)] }, acceptAll);
    expect(result.unparked).toEqual([{ streamId: 's', streamVersion: 3 }]);
    expect(result.parked).toEqual([]);
  });

  it('a rejected event leaves the stream before it: what follows stays parked, the real version applies later', () => {
    const reject = (x: E) => x.tag !== 'forged';
    const result = sequenceStreamEvents([e('s', 1, 'forged'), e('s', 2)], { applied: new Map(), parked: [] }, reject);
    expect(refs(result.rejected)).toEqual(['s@1:forged']);
    expect(refs(result.parked)).toEqual(['s@2']);
    expect(result.advanced).toEqual([]);

    const later = sequenceStreamEvents([e('s', 1)], { applied: new Map(), parked: result.parked }, reject);
    expect(refs(later.applied)).toEqual(['s@1', 's@2']);
  });

  it('a parked event rejected on its turn is removed from the parked ones', () => {
    const reject = (x: E) => x.tag !== 'bad';
    const result = sequenceStreamEvents([e('s', 1)], { applied: new Map(), parked: [e('s', 2, 'bad'), e('s', 3)] }, reject);
    expect(refs(result.applied)).toEqual(['s@1']);
    expect(refs(result.rejected)).toEqual(['s@2:bad']);
    expect(result.unparked).toEqual([{ streamId: 's', streamVersion: 2 }]);
    expect(result.advanced).toEqual([{ streamId: 's', from: undefined, to: 1 }]);
  });

  it('adoptUnknownStreams: a stream never seen starts at the lowest version of the batch', () => {
    const result = sequenceStreamEvents([e('s', 8), e('s', 7), e('t', 3)], { applied: new Map([['t', 1]]), parked: [] }, acceptAll, {
      adoptUnknownStreams: true,
    });
    expect(refs(result.applied)).toEqual(['s@7', 's@8']);
    expect(refs(result.parked)).toEqual(['t@3']); // known streams keep gap detection
    expect(result.advanced).toEqual([{ streamId: 's', from: undefined, to: 8 }]);
  });
});
