import { DomainError } from '@identity-store/contracts';
import {
  ATTRIBUTE_SCHEMA_BOUNDS,
  attributeSchemaProblems,
  attributeValidator,
  COMPILED_SCHEMA_CACHE,
  compiledSchemaCount,
} from './attribute-schema';

/** The same object with its keys in reverse order, at every level (as jsonb may hand it back). */
const reordered = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(reordered)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reordered(v)]))
      : value;

const thrownBy = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
};

const emailSchema = {
  type: 'object',
  properties: { email: { type: 'string', format: 'email' }, age: { type: 'integer', minimum: 0 } },
  required: ['email'],
};

describe('attributeSchemaProblems: new schemas (review M2)', () => {
  it('accepts a plain schema, local $defs references and recursion that descends into the data', () => {
    expect(attributeSchemaProblems(emailSchema)).toEqual([]);
    expect(
      attributeSchemaProblems({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $defs: { 'a name': { type: 'string' } },
        properties: {
          nick: { $ref: '#/$defs/a%20name' },
          children: { type: 'array', items: { $ref: '#' } },
          // a property named like a keyword is a name, and values of const/enum/default are data
          $id: { const: { $id: 'https://data.example/', $ref: 'https://x/' } },
        },
      }),
    ).toEqual([]);
  });

  it.each([
    ['$id at the root', { $id: 'https://tenant-a.example/s', type: 'object' }, 'body.attributeSchema.$id'],
    ['$id in a subschema', { properties: { a: { $id: 'https://x/a' } } }, 'body.attributeSchema.properties.a.$id'],
    ['$anchor', { $defs: { a: { $anchor: 'a' } } }, 'body.attributeSchema.$defs.a.$anchor'],
    ['$dynamicAnchor', { $dynamicAnchor: 'meta' }, 'body.attributeSchema.$dynamicAnchor'],
  ])('refuses %s: an attributeSchema declares nothing another schema could find', (_label, schema, path) => {
    const problems = attributeSchemaProblems(schema);
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(problems[0]!.message).toContain('is not allowed');
  });

  it.each([
    ['another store’s $id', { $ref: 'https://tenant-a.example/s' }, 'body.attributeSchema.$ref'],
    ['a relative URI', { properties: { a: { $ref: 'other.json#/x' } } }, 'body.attributeSchema.properties.a.$ref'],
    ['a $dynamicRef to a URI', { $dynamicRef: 'https://x/#meta' }, 'body.attributeSchema.$dynamicRef'],
    ['the meta-schema', { allOf: [{ $ref: 'https://json-schema.org/draft/2020-12/schema' }] }, 'body.attributeSchema.allOf.0.$ref'],
  ])('refuses a $ref to %s', (_label, schema, path) => {
    const problems = attributeSchemaProblems(schema);
    expect(problems).toEqual([{ path, message: expect.stringContaining('must be a local reference') }]);
  });

  it.each([
    ['$ref to the root', { $ref: '#' }],
    ['allOf back to the root', { type: 'object', allOf: [{ $ref: '#' }] }],
    ['two $defs referring to each other', { $defs: { a: { $ref: '#/$defs/b' }, b: { anyOf: [{ $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' }],
    ['if/then back to the root', { if: { type: 'string' }, then: { $ref: '#' } }],
  ])('refuses a schema applying itself to the same value without end: %s', (_label, schema) => {
    expect(attributeSchemaProblems(schema)).toEqual([
      { path: expect.stringMatching(/^body\.attributeSchema/), message: expect.stringContaining('without end') },
    ]);
  });

  it('refuses patterns the linear-time engine cannot run (backreferences, lookaround), naming the schema', () => {
    for (const pattern of ['^(a)\\1$', '^(?=a)a$', '(?<!x)y'])
      expect(attributeSchemaProblems({ properties: { a: { type: 'string', pattern } } })).toEqual([
        { path: 'body.attributeSchema', message: expect.stringContaining('not supported by the linear-time engine') },
      ]);
    expect(attributeSchemaProblems({ patternProperties: { '^(a)\\1$': { type: 'string' } } })).toHaveLength(1);
  });

  it('refuses a schema larger than 32 KiB or deeper than 32 levels', () => {
    const large = { properties: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`property${i}`, { type: 'string' }])) };
    expect(attributeSchemaProblems(large)).toEqual([
      { path: 'body.attributeSchema', message: `must be at most ${ATTRIBUTE_SCHEMA_BOUNDS.maxBytes} bytes as JSON` },
    ]);
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 20; i++) deep = { properties: { a: deep } };
    expect(attributeSchemaProblems(deep)).toEqual([
      { path: 'body.attributeSchema', message: `must not nest deeper than ${ATTRIBUTE_SCHEMA_BOUNDS.maxDepth} levels` },
    ]);
  });

  it('names what the meta-schema rejects', () => {
    expect(attributeSchemaProblems({ type: 'strnig' })[0]).toMatchObject({ message: expect.stringContaining('not a valid JSON Schema') });
    expect(attributeSchemaProblems({ $schema: 'http://json-schema.org/draft-04/schema#' })[0]).toMatchObject({
      path: 'body.attributeSchema',
      message: expect.stringContaining('not a valid JSON Schema'),
    });
  });
});

describe('attributeValidator (review M2)', () => {
  it('matches patterns on RE2: ^(a+)+$ against 40+ characters answers, and answers right', () => {
    const validate = attributeValidator({ properties: { name: { type: 'string', pattern: '^(a+)+$' } } });
    expect(validate({ name: 'a'.repeat(48) })).toEqual([]);
    expect(validate({ name: `${'a'.repeat(48)}!` })).toEqual([
      { path: 'body.attributes.name', message: 'must match pattern "^(a+)+$"' },
    ]);
    const keys = attributeValidator({ patternProperties: { '^(a+)+$': { type: 'integer' } } });
    expect(keys({ [`${'a'.repeat(48)}!`]: 'not checked' })).toEqual([]);
    expect(keys({ ['a'.repeat(48)]: 'checked' })).toEqual([
      { path: `body.attributes.${'a'.repeat(48)}`, message: 'must be integer' },
    ]);
  });

  it('isolates stores: schemas stored before the rules, with the same $id, each validate by their own rules', () => {
    // Both were accepted before this fix (a shared ajv then answered 500 for the second one).
    const storeA = { $id: 'https://tenant.example/s', type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    const storeB = { $id: 'https://tenant.example/s', type: 'object', properties: { b: { type: 'integer' } }, required: ['b'] };
    expect(attributeValidator(storeA)({ a: 'x' })).toEqual([]);
    expect(attributeValidator(storeB)({ b: 1 })).toEqual([]);
    expect(attributeValidator(storeB)({ a: 'x' })).toEqual([{ path: 'body.attributes', message: "must have required property 'b'" }]);
    // A again, reloaded with its keys in another order: the same rules, no "already exists".
    expect(attributeValidator(reordered(storeA) as Record<string, unknown>)({ b: 1 })).toEqual([
      { path: 'body.attributes', message: "must have required property 'a'" },
    ]);
  });

  it('a stored schema referring to another store’s $id cannot see it: 409 ATTRIBUTE_SCHEMA_UNUSABLE, not 500', () => {
    attributeValidator({ $id: 'https://tenant-a.example/s', type: 'object' })({});
    const error = thrownBy(() => attributeValidator({ $ref: 'https://tenant-a.example/s' })({}));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'conflict', code: 'ATTRIBUTE_SCHEMA_UNUSABLE' });
  });

  it('a stored schema that applies itself without end is 409 ATTRIBUTE_SCHEMA_UNUSABLE, not a stack overflow', () => {
    const error = thrownBy(() => attributeValidator({ $ref: '#' })({ any: 'thing' }));
    expect(error).toMatchObject({ kind: 'conflict', code: 'ATTRIBUTE_SCHEMA_UNUSABLE' });
  });

  it('compiles a stored schema only when attributes are checked', () => {
    expect(() => attributeValidator({ $ref: 'https://elsewhere.example/' })).not.toThrow();
  });

  it('reuses the compiled schema whatever the key order', () => {
    const schema = { type: 'object', properties: { z: { type: 'string' }, y: { type: 'number', maximum: 7 } } };
    attributeValidator(schema)({});
    const count = compiledSchemaCount();
    expect(attributeValidator(reordered(schema) as Record<string, unknown>)({ y: 8 })).toEqual([
      { path: 'body.attributes.y', message: 'must be <= 7' },
    ]);
    expect(compiledSchemaCount()).toBe(count);
  });

  it('keeps at most the bounded number of compiled schemas, however many distinct ones come', () => {
    // Three times the bound is as good a proof as ten thousand (each compile is a fresh ajv: ~1 ms).
    for (let i = 0; i < COMPILED_SCHEMA_CACHE.maxEntries * 3; i++) {
      expect(attributeSchemaProblems({ type: 'object', properties: { [`p${i}`]: { type: 'string', maxLength: i } } })).toEqual([]);
      expect(compiledSchemaCount()).toBeLessThanOrEqual(COMPILED_SCHEMA_CACHE.maxEntries);
    }
    expect(compiledSchemaCount()).toBe(COMPILED_SCHEMA_CACHE.maxEntries);
  });
});
