import { z } from 'zod';
import { defineEvents, type EventOfType, type EventsOf } from './event';

const examples = defineEvents(
  {
    ThingAdded: z.object({ thingId: z.string().min(1) }),
    ThingRemoved: z.object({ thingId: z.string().min(1), reason: z.enum(['GONE']) }),
  },
  { versions: { ThingRemoved: 2 } },
);

describe('defineEvents', () => {
  it('defines each type once, keyed by its type, with version 1 unless told', () => {
    expect(examples.ThingAdded.type).toBe('ThingAdded');
    expect(examples.ThingAdded.version).toBe(1);
    expect(examples.ThingRemoved.type).toBe('ThingRemoved');
    expect(examples.ThingRemoved.version).toBe(2);
  });

  it('creates events whose data is parsed with the type schema', () => {
    const added: EventOfType<typeof examples, 'ThingAdded'> = examples.ThingAdded.create({ thingId: 't1' });
    expect(added).toEqual({ type: 'ThingAdded', data: { thingId: 't1' } });
    expect(() => examples.ThingRemoved.create({ thingId: 't1', reason: 'LOST' as 'GONE' })).toThrow();
  });

  it('gives the union of its events', () => {
    const all: EventsOf<typeof examples>[] = [
      { type: 'ThingAdded', data: { thingId: 't1' } },
      { type: 'ThingRemoved', data: { thingId: 't1', reason: 'GONE' } },
    ];
    expect(all.map((event) => examples[event.type].schema.parse(event.data))).toEqual(
      all.map((event) => event.data),
    );
  });
});
