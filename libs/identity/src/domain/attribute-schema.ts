import {
  DomainError,
  type FieldError,
  type JsonBounds,
  jsonBoundsProblem,
} from '@identity-store/contracts';
import type { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { LRUCache } from 'lru-cache';
import { RE2JS } from 're2js';
import { configure as configureStringify } from 'safe-stable-stringify';


/*
 * Stores' `attributeSchema`s are tenant-supplied JSON Schemas (draft 2020-12), compiled with ajv
 * (review M2):
 * - Isolation: each schema is compiled by an ajv instance of its own, so nothing one store's schema
 *   registers (an `$id`, an anchor) is visible to another's, and a schema cannot `$ref` anything
 *   but itself. New schemas may not declare `$id`, `$anchor` or `$dynamicAnchor` at all, and every
 *   `$ref`/`$dynamicRef` must be local (`#…`).
 * - Regular expressions (`pattern`, `patternProperties`) run on RE2 (re2js): linear time, no
 *   catastrophic backtracking; a pattern RE2 cannot compile (backreferences, lookaround) is refused.
 * - Size: a new schema is at most 32 KiB as canonical JSON and 32 levels deep, and may not recurse
 *   into itself without descending into the data (`{"$ref":"#"}`), which would never end.
 * - Compiled schemas are cached in an LRU bounded by count and size, keyed on canonical JSON (sorted
 *   keys), so a schema reloaded from jsonb with its keys reordered is the same entry.
 * Schemas stored before these rules keep being compiled in isolation on RE2; one that cannot be
 * compiled or recurses without end makes user writes a 409 ATTRIBUTE_SCHEMA_UNUSABLE until the
 * store's attributeSchema is replaced — never a 500.
 */

/** Validates attributes against the store's attributeSchema; returns the violations. */
export type AttributeValidator = (attributes: Record<string, unknown>) => FieldError[];

/** How large a new attributeSchema may be. */
export const ATTRIBUTE_SCHEMA_BOUNDS: JsonBounds = { maxBytes: 32_768, maxDepth: 32 };
/** How many compiled schemas are kept, and how many bytes of canonical schema text they may total. */
export const COMPILED_SCHEMA_CACHE = { maxEntries: 256, maxBytes: 8 * 1024 * 1024 };

const FIELD = 'body.attributeSchema';

/** ajv's RegExpEngine on RE2 (ajv calls it once per pattern at compile time, then only `test`). */
const re2Engine = Object.assign(
  (pattern: string, _flags: string) => {
    let compiled: RE2JS;
    try {
      compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
    } catch (error) {
      throw new Error(
        `pattern ${JSON.stringify(pattern)} is not supported by the linear-time engine (RE2: no backreferences or lookaround): ${(error as Error).message}`,
      );
    }
    return { test: (input: string) => compiled.test(input), toString: () => `re2:${pattern}` };
  },
  { code: 're2js' },
);

/** JSON with sorted keys: one text per schema whatever order its keys come in. */
const canonicalJson = configureStringify({ deterministic: true, strict: true });

/** A fresh ajv for one schema: its own registry, RE2 for patterns; the meta-schema check runs on `metaAjv`. */
const isolatedAjv = () => {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    // The meta-schema check is metaAjv's; without it this instance needs no meta-schemas (half the cost).
    validateSchema: false,
    meta: false,
    code: { regExp: re2Engine },
    // No loadSchema: nothing is ever fetched, every $ref must resolve inside the schema itself.
  });
  addFormats(ajv);
  return ajv;
};

/** Checks schemas against the draft 2020-12 meta-schema; it never compiles or registers a tenant's schema. */
const metaAjv = new Ajv2020({ allErrors: true, strict: false });
addFormats(metaAjv);

const compiled = new LRUCache<string, ValidateFunction>({
  max: COMPILED_SCHEMA_CACHE.maxEntries,
  maxSize: COMPILED_SCHEMA_CACHE.maxBytes,
  sizeCalculation: (_validate, key) => Math.max(1, key.length),
});

/** How many compiled schemas the cache holds (for tests and metrics). */
export const compiledSchemaCount = (): number => compiled.size;

class AttributeSchemaError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
    this.name = 'AttributeSchemaError';
  }
}

const invalidSchemaField = (message: string, pointer = ''): FieldError => ({
  path: `${FIELD}${pointer.replace(/\//g, '.')}`,
  message: `not a valid JSON Schema: ${message}`,
});

/**
 * Compiles (or finds) a schema in isolation; throws AttributeSchemaError when it is not usable.
 * A stack overflow (a legacy schema nested too deep to serialise or compile) is not usable either.
 */
const compile = (schema: Record<string, unknown>): ValidateFunction => {
  try {
    const key = canonicalJson(schema);
    const cached = compiled.get(key);
    if (cached) return cached;
    // validateSchema throws (rather than answering false) for an unknown $schema.
    if (!metaAjv.validateSchema(schema)) {
      const errors = metaAjv.errors ?? [];
      throw new AttributeSchemaError(errors.map((e) => invalidSchemaField(e.message ?? 'invalid', e.instancePath)));
    }
    const validate = isolatedAjv().compile(schema);
    compiled.set(key, validate);
    return validate;
  } catch (error) {
    if (error instanceof AttributeSchemaError) throw error;
    const reason = error instanceof RangeError ? 'nested too deeply' : (error as Error).message;
    throw new AttributeSchemaError([invalidSchemaField(reason)]);
  }
};

// ---- the rules for new schemas ----------------------------------------------------------------

/** Keywords whose values are data (an `$id` there is a value, not a declaration). */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'required', 'dependentRequired']);
/** Keywords whose values map names to subschemas (a property called `$ref` is a name). */
const MAP_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'dependencies']);
/** Keywords that apply their subschemas to the same instance (a cycle through only these never ends). */
const IN_PLACE_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'dependentSchemas']);
const DECLARING_KEYWORDS = ['$id', '$anchor', '$dynamicAnchor'];
const REFERENCING_KEYWORDS = ['$ref', '$dynamicRef'];

const escapePointerToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
const pathOf = (pointer: string) => `${FIELD}${pointer.split('/').join('.')}`;

interface SchemaNode {
  pointer: string;
  schema: Record<string, unknown>;
  /** Subschemas applied to the same instance: pointers of in-place children, and local $ref targets. */
  inPlace: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every subschema by JSON pointer (conservatively: anything that may be a schema), iteratively. */
const subschemas = (root: Record<string, unknown>): Map<string, SchemaNode> => {
  const nodes = new Map<string, SchemaNode>();
  const pending: Array<{ schema: Record<string, unknown>; pointer: string }> = [{ schema: root, pointer: '' }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const node: SchemaNode = { pointer: next.pointer, schema: next.schema, inPlace: [] };
    nodes.set(next.pointer, node);
    for (const [keyword, value] of Object.entries(next.schema)) {
      if (DATA_KEYWORDS.has(keyword)) continue;
      const at = `${next.pointer}/${escapePointerToken(keyword)}`;
      const children: string[] = [];
      const add = (child: unknown, pointer: string) => {
        if (!isObject(child)) return;
        pending.push({ schema: child, pointer });
        children.push(pointer);
      };
      if (MAP_KEYWORDS.has(keyword) && isObject(value))
        for (const [name, child] of Object.entries(value)) add(child, `${at}/${escapePointerToken(name)}`);
      else if (Array.isArray(value)) value.forEach((child, index) => add(child, `${at}/${index}`));
      else add(value, at);
      if (IN_PLACE_KEYWORDS.has(keyword)) node.inPlace.push(...children);
    }
  }
  return nodes;
};

/** The pointer a local reference (`#`, `#/$defs/a%20b`) names. */
const targetOf = (reference: string): string => {
  try {
    return decodeURIComponent(reference.slice(1));
  } catch {
    return reference.slice(1);
  }
};

/** A pointer on a cycle of in-place applications, if any (iterative depth-first search). */
const inPlaceCycle = (nodes: Map<string, SchemaNode>): string | undefined => {
  const state = new Map<string, 'open' | 'done'>();
  for (const start of nodes.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ pointer: string; next: number }> = [{ pointer: start, next: 0 }];
    state.set(start, 'open');
    for (let top = stack.at(-1); top; top = stack.at(-1)) {
      const target = nodes.get(top.pointer)?.inPlace[top.next++];
      if (target === undefined) {
        state.set(top.pointer, 'done');
        stack.pop();
        continue;
      }
      if (!nodes.has(target)) continue; // an unresolvable reference: ajv reports it
      if (state.get(target) === 'open') return target;
      if (!state.has(target)) {
        state.set(target, 'open');
        stack.push({ pointer: target, next: 0 });
      }
    }
  }
  return undefined;
};

/** The rules a new attributeSchema must follow besides being a valid JSON Schema. */
const ruleViolations = (schema: Record<string, unknown>): FieldError[] => {
  const errors: FieldError[] = [];
  const nodes = subschemas(schema);
  for (const node of nodes.values()) {
    for (const keyword of DECLARING_KEYWORDS)
      if (keyword in node.schema)
        errors.push({
          path: pathOf(`${node.pointer}/${keyword}`),
          message: `${keyword} is not allowed (an attributeSchema is self-contained; use $defs and local $ref)`,
        });
    for (const keyword of REFERENCING_KEYWORDS) {
      if (!(keyword in node.schema)) continue;
      const reference = node.schema[keyword];
      if (typeof reference === 'string' && reference.startsWith('#')) node.inPlace.push(targetOf(reference));
      else
        errors.push({
          path: pathOf(`${node.pointer}/${keyword}`),
          message: `must be a local reference (#, #/$defs/…): no other schema can be referenced`,
        });
    }
  }
  if (errors.length === 0) {
    const cycle = inPlaceCycle(nodes);
    if (cycle !== undefined)
      errors.push({
        path: pathOf(cycle),
        message: 'applies itself to the same value without end ($ref/allOf/anyOf/oneOf/not/if cycle)',
      });
  }
  return errors;
};

// ---- the API of this module -------------------------------------------------------------------

/**
 * The problems of a new attributeSchema (a request's): too large or deep, against the rules above,
 * or not a valid JSON Schema draft 2020-12 that ajv can compile with RE2. Compiles and caches it.
 */
export const attributeSchemaProblems = (schema: Record<string, unknown> | null | undefined): FieldError[] => {
  if (!schema) return [];
  const tooLarge = jsonBoundsProblem(schema, ATTRIBUTE_SCHEMA_BOUNDS);
  if (tooLarge) return [{ path: FIELD, message: tooLarge }];
  const violations = ruleViolations(schema);
  if (violations.length) return violations;
  try {
    compile(schema);
    return [];
  } catch (error) {
    if (error instanceof AttributeSchemaError) return error.errors;
    throw error;
  }
};

const unusable = (reason: string) =>
  new DomainError(
    'conflict',
    'ATTRIBUTE_SCHEMA_UNUSABLE',
    `The store's attributeSchema cannot be used (${reason}); replace it with updateStore.`,
  );

/**
 * A validator of user attributes for a store's (stored) attributeSchema; none: everything passes.
 * The schema is compiled on first use only, so commands that check no attributes (deleteUser, a
 * status change) never depend on it.
 */
export const attributeValidator = (schema: Record<string, unknown> | null): AttributeValidator => {
  if (!schema) return () => [];
  return (attributes) => {
    let validate: ValidateFunction;
    try {
      validate = compile(schema);
    } catch (error) {
      if (error instanceof AttributeSchemaError) throw unusable(error.message);
      throw error;
    }
    let valid: boolean;
    try {
      valid = validate(attributes) as boolean;
    } catch (error) {
      // A stored schema that applies itself without end overflows the stack on some values.
      if (error instanceof RangeError) throw unusable('it applies itself to the same value without end');
      throw error;
    }
    return valid
      ? []
      : (validate.errors ?? []).map((error) => ({
          path: `body.attributes${error.instancePath.replace(/\//g, '.')}`,
          message: error.message ?? 'invalid',
        }));
  };
};
