/**
 * Bounds on tenant-supplied JSON documents (user attributes, attribute schemas; review M2). Both
 * measures are iterative, so a deeply nested value cannot overflow the stack while it is measured.
 */

/** Nesting levels of a JSON value: a scalar is 0, `{}` and `[]` are 1, `{"a":[1]}` is 2. */
export const jsonDepth = (value: unknown): number => {
  let deepest = 0;
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return deepest;
};

/** Bytes of the value's JSON text in UTF-8 (how it travels and is stored). */
export const jsonByteLength = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value) ?? '').length;

export interface JsonBounds {
  maxBytes: number;
  maxDepth: number;
}

/** The problem with a value that is out of bounds, or undefined; depth first (a deep value is not serialised). */
export const jsonBoundsProblem = (value: unknown, { maxBytes, maxDepth }: JsonBounds): string | undefined => {
  if (jsonDepth(value) > maxDepth) return `must not nest deeper than ${maxDepth} levels`;
  if (jsonByteLength(value) > maxBytes) return `must be at most ${maxBytes} bytes as JSON`;
  return undefined;
};
