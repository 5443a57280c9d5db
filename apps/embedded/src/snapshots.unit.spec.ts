import type { StoredEvent } from '@identity-store/contracts';
import { jsonMismatch } from '@identity-store/event-store';
import fc from 'fast-check';
import { aggregateFamilies } from './testing/aggregate-families';

/**
 * A snapshot stands in for the fold of a stream's first events, so for every aggregate family:
 * the fold of the first k events, written as JSON and parsed back as the aggregate's snapshot
 * policy does, then folded with the rest, equals the fold of the whole stream — strictly (no
 * Dates, Maps or undefined fields that JSON would change). The writer's state is folded from the
 * events as decided (in memory); the rest and the reference fold from the events as stored (read
 * back from PostgreSQL: JSON).
 */

const asStored = (event: StoredEvent): StoredEvent => JSON.parse(JSON.stringify(event));

describe.each(aggregateFamilies)('snapshots of the $name aggregate', (family) => {
  const fold = (events: StoredEvent[], from = family.initialState()) => events.reduce(family.evolve, from);
  const restore = (state: unknown) => {
    const stored: unknown = JSON.parse(JSON.stringify(state));
    return family.snapshot?.parse ? family.snapshot.parse(stored) : stored;
  };

  it('snapshot + tail == full fold, at any point of any stream', () => {
    fc.assert(
      fc.property(fc.array(family.event, { maxLength: 60 }), fc.nat(), (events, at) => {
        const cut = at % (events.length + 1);
        const written = fold(events.slice(0, cut));
        expect(jsonMismatch(written)).toBeNull();
        const stored = events.map(asStored);
        expect(fold(stored.slice(cut), restore(written))).toStrictEqual(fold(stored));
      }),
      { numRuns: 300 },
    );
  });

  it('a snapshot parses back to the very state it was written from', () => {
    fc.assert(
      fc.property(fc.array(family.event, { maxLength: 60 }), (events) => {
        const state = fold(events.map(asStored));
        expect(restore(state)).toStrictEqual(state);
      }),
      { numRuns: 200 },
    );
  });

  if (family.snapshot)
    it('a snapshot that does not fit the state is refused (and then ignored by the repository)', () => {
      const parse = family.snapshot!.parse!;
      for (const corrupt of [null, 42, 'state', [], { unrelated: true }])
        expect(() => parse(corrupt)).toThrow();
      // A state with one entity's field of the wrong type.
      const sample = fc.sample(fc.array(family.event, { minLength: 30, maxLength: 60 }), {
        numRuns: 50,
        seed: 7,
      });
      const damaged = sample
        .map((events) => JSON.parse(JSON.stringify(fold(events))) as Record<string, unknown>)
        .map(damage)
        .filter((state): state is Record<string, unknown> => state !== null);
      expect(damaged.length).toBeGreaterThan(0);
      for (const state of damaged) expect(() => parse(state)).toThrow();
    });
});

/** The state with its first string or boolean inside an entity (not at the top) made a number; null if none. */
const damage = (state: Record<string, unknown>): Record<string, unknown> | null => {
  const visit = (node: Record<string, unknown>, depth: number): boolean => {
    for (const [key, value] of Object.entries(node)) {
      if (depth >= 2 && (typeof value === 'string' || typeof value === 'boolean')) {
        node[key] = 12345;
        return true;
      }
      if (value && typeof value === 'object' && visit(value as Record<string, unknown>, depth + 1))
        return true;
    }
    return false;
  };
  return visit(state, 1) ? state : null;
};
