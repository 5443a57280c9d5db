import { buildOpenApiDocument } from '@identity-store/contracts';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { type JsonSchema, schemaArbitrary } from './schema-arbitrary';

const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

/** Every value the arbitrary generates validates against the schema (ajv, the reference). */
const expectValid = (schema: JsonSchema, root?: unknown, numRuns = 200) => {
  const validate = root
    ? ajv.compile({
        $ref: `https://identity-store.test/openapi.json#${(schema as { $ref: string }).$ref.slice(1)}`,
      })
    : ajv.compile(schema as object);
  fc.assert(
    fc.property(schemaArbitrary(schema, { root }), (value) => {
      if (!validate(value)) throw new Error(`${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
    }),
    { numRuns },
  );
};

describe('JSON Schema → fast-check arbitrary', () => {
  it('strings honour length, pattern and formats', () => {
    expectValid({ type: 'string', minLength: 3, maxLength: 5 });
    expectValid({ type: 'string', pattern: '^[A-Za-z0-9-]{1,20}$' });
    expectValid({ type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\w.@:+-]+$' });
    expectValid({ type: 'string', format: 'date-time' });
    expectValid({ type: 'string', format: 'uuid' });
  });

  it('numbers and integers honour their bounds, exclusive ones too', () => {
    expectValid({ type: 'integer', minimum: 15, maximum: 120 });
    expectValid({ type: 'integer', exclusiveMinimum: 0, maximum: 3 });
    expectValid({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 });
    expectValid({ type: 'integer', minimum: 0, maximum: 100, multipleOf: 5 });
  });

  it('enums, consts, type lists with null, anyOf and allOf', () => {
    expectValid({ enum: ['SHA1', 'SHA256'] });
    expectValid({ const: 42 });
    expectValid({ type: ['string', 'null'], maxLength: 3 });
    expectValid({
      anyOf: [
        { type: 'number', enum: [6] },
        { type: 'number', enum: [8] },
      ],
      default: 6,
    });
    expectValid({
      allOf: [
        { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
        { type: 'object', properties: { b: { type: 'boolean' } }, required: ['b'] },
      ],
    });
  });

  it('objects: required properties always, no extra keys when additionalProperties is false', () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, size: { type: 'integer' } },
      required: ['name'],
      additionalProperties: false,
    };
    expectValid(schema);
    fc.assert(
      fc.property(schemaArbitrary(schema), (value) => {
        const keys = Object.keys(value as object);
        return keys.includes('name') && keys.every((key) => key === 'name' || key === 'size');
      }),
    );
  });

  it('arrays honour minItems, maxItems and uniqueItems', () => {
    expectValid({
      type: 'array',
      items: { type: 'integer', minimum: 0, maximum: 3 },
      minItems: 1,
      maxItems: 3,
      uniqueItems: true,
    });
  });

  it('a hint replaces the arbitrary of a named property and of a dictionary’s keys', () => {
    const schema = {
      type: 'object',
      properties: {
        code: { type: 'string' },
        policies: { type: 'object', additionalProperties: { type: 'integer' } },
      },
      required: ['code', 'policies'],
    };
    const arbitrary = schemaArbitrary(schema, {
      hint: ({ property, role }) =>
        property === 'code' && role === 'value'
          ? fc.constant('123456')
          : property === 'policies' && role === 'keys'
            ? fc.constantFrom('p1', 'p2')
            : undefined,
    });
    fc.assert(
      fc.property(arbitrary, (value) => {
        const { code, policies } = value as { code: string; policies: Record<string, number> };
        return code === '123456' && Object.keys(policies).every((key) => key === 'p1' || key === 'p2');
      }),
    );
  });

  it('fails loudly on what it cannot generate (a remote $ref)', () => {
    expect(() => schemaArbitrary({ $ref: 'https://example.com/schema.json' })).toThrow(/local/);
  });

  describe('every request schema of the API document', () => {
    const doc = buildOpenApiDocument() as {
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: Record<string, { schema: JsonSchema }> }; parameters?: unknown[] }
        >
      >;
      components: { schemas: Record<string, JsonSchema>; parameters: Record<string, { schema: JsonSchema }> };
    };
    ajv.addSchema({ ...doc, $id: 'https://identity-store.test/openapi.json' } as object);
    const bodies = [
      ...new Set(
        Object.values(doc.paths).flatMap((item) =>
          Object.values(item).flatMap((operation) => {
            const schema = operation.requestBody?.content['application/json']?.schema as
              { $ref?: string } | undefined;
            return schema?.$ref ? [schema.$ref] : [];
          }),
        ),
      ),
    ];
    const parameters = Object.keys(doc.components.parameters).map(
      (name) => `#/components/parameters/${name}/schema`,
    );

    it('has bodies and parameters to check', () => {
      expect(bodies.length).toBeGreaterThan(20);
      expect(parameters.length).toBeGreaterThan(5);
    });
    it.each([...bodies, ...parameters])('%s: generated values validate', (ref) => {
      expectValid({ $ref: ref }, doc, 60);
    });
  });
});
