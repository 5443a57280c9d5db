import fc from 'fast-check';

/**
 * Hostile inputs: values a well-behaved client never sends, each aimed at a way a JSON/HTTP service
 * breaks (type confusion, NUL and lone surrogates in text columns, prototype pollution, number
 * precision, path normalisation, parser limits).
 */

/** The body-parser limit of every app (`express.json({ limit: '256kb' })`): 256 × 1024 bytes. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/** JSON text emitted verbatim by {@link toJsonText}: numbers JSON.stringify cannot write, deep nesting. */
export class RawJson {
  constructor(
    readonly text: string,
    readonly label: string,
  ) {}
}

export const DEEP_ARRAY = new RawJson(`${'['.repeat(10_000)}${']'.repeat(10_000)}`, '10,000 nested arrays');
export const DEEP_OBJECT = new RawJson(
  `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
  '10,000 nested objects',
);

/** A plain object with an own, enumerable key such as `__proto__` (JSON.parse makes the same). */
export const objectWithOwnKey = (key: string, value: unknown, rest: Record<string, unknown> = {}) => {
  const object: Record<string, unknown> = { ...rest };
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
};

export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  '__defineGetter__',
];

export const hostileStrings: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '\udc00\ud800',
    '\ufeff',
    '\u202e\u0041',
    'a'.repeat(10_240),
    'é'.repeat(5_120),
    '😀'.repeat(2_600),
    'NaN',
    'Infinity',
    '-0',
    '1e308',
    '9007199254740993',
    'true',
    'null',
    'undefined',
    '[object Object]',
    '__proto__',
    'constructor',
    '../../../etc/passwd',
    '%00',
    '%2e%2e%2f',
    "' OR '1'='1",
    '"; DROP TABLE events; --',
    '${jndi:ldap://127.0.0.1/a}',
    '{{7*7}}',
    '<script>alert(1)</script>',
    'P1000000Y',
    'PT99999999999H',
    'P9999999999999999999999D',
    '9999-12-31T23:59:59.999Z',
    '+275760-09-13T00:00:00.000Z',
    '0000-00-00T00:00:00Z',
    'line\r\nInjected: header',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

export const hostileNumbers: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  1e308,
  -1e308,
  -0,
  5e-324,
  2 ** 53,
  -(2 ** 53),
  2 ** 31,
  -(2 ** 31) - 1,
  -1,
  0,
  1.5,
  new RawJson('9007199254740993', '2^53+1'),
  new RawJson('1e400', '1e400 (Infinity when parsed)'),
  new RawJson('-0', '-0'),
  new RawJson('1E+308', '1E+308'),
  new RawJson('123456789012345678901234567890', '30 digits'),
  new RawJson('0.0000000000000000000000000001', 'tiny decimal'),
);

/** Any JSON value a hostile client could put where a field is: wrong types included. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileStrings },
  { weight: 3, arbitrary: hostileNumbers },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(true, false, null, [], {}, [null], ['']) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(DEEP_ARRAY, DEEP_OBJECT) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom<unknown>({ polluted: true }, null, 'x', 1))
      .map(([key, value]) => objectWithOwnKey(key, value)),
  },
  { weight: 1, arbitrary: fc.array(hostileStrings, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** JSON text of a value that may hold {@link RawJson} parts and own `__proto__` keys. */
export const toJsonText = (value: unknown): string => {
  if (value instanceof RawJson) return value.text;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${toJsonText((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return value === undefined ? 'null' : JSON.stringify(value);
};

/** Path segments, as they go on the wire (already encoded where they should be). */
export const hostileSegments: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '.',
    '..',
    '%2e',
    '%2e%2e',
    '%2E%2E',
    '.%2e',
    '%2F',
    'a%2Fb',
    '..%2F..%2Fapi%2Farthr%2FapiKeys',
    '%5C',
    '%00',
    'a%00b',
    '%',
    '%zz',
    '%C0%AE%C0%AE',
    '%ED%A0%80',
    '%EF%BF%BF',
    '%F0%9F%98%80',
    '%20',
    '+',
    '~',
    ';a=b',
    '__proto__',
    'constructor',
    'ext',
    'registrations',
    'Registrations',
    'caf\u00e9', // a raw 0xE9 byte: a path that is not UTF-8
    '\u00ff\u00fe',
    'a'.repeat(10_240),
    '9007199254740993',
    '-1',
    '00000000-0000-0000-0000-000000000000',
  ),
  hostileStrings.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
);

export const hostileQueryValues: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '-1',
    '0',
    '1e308',
    '1e400',
    'NaN',
    'Infinity',
    '-0',
    '9007199254740993',
    '99999999999',
    '1.5',
    '0x10',
    '',
    '%00',
    '%ZZ',
    'abc',
    '101',
    'extId,desc',
    'createdDtm,asc',
    '__proto__',
    'name,sideways',
    'a'.repeat(10_240),
  ),
  hostileStrings.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
);

/** Content types for a request that carries a body (the right one most of the time). */
export const bodyContentTypes: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom<string | null>(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/merge-patch+json',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=fuzz',
      'application/xml',
      'application/json, text/plain',
      '*/*',
      ';;;',
      null,
    ),
  },
);

/** Bodies that are not the JSON of a value: parser and decoder edge cases. */
export const rawBodies: fc.Arbitrary<{ label: string; bytes: Buffer }> = fc.constantFrom(
  ...[
    ['empty', ''],
    ['only whitespace', '   \n'],
    ['truncated object', '{"a":'],
    ['trailing comma', '{"a":1,}'],
    ['single quotes', "{'a':1}"],
    ['NaN literal', '{"a":NaN}'],
    ['undefined literal', '{"a":undefined}'],
    ['two documents', '{"a":1}{"b":2}'],
    ['bad escape', '{"a":"\\uZZZZ"}'],
    ['lone surrogate escape', '{"extId":"\\ud800","name":"\\udfff"}'],
    ['NUL escape', '{"extId":"a\\u0000b","name":"x\\u0000"}'],
    ['raw NUL byte', '{"a":"\u0000"}'],
    ['JSON null', 'null'],
    ['JSON string', '"text"'],
    ['JSON number', '123'],
    ['JSON true', 'true'],
    ['empty array', '[]'],
    ['array of objects', '[{}]'],
    ['10,000 nested arrays', DEEP_ARRAY.text],
    ['10,000 nested objects', DEEP_OBJECT.text],
  ].map(([label, text]) => ({ label: label!, bytes: Buffer.from(text!, 'utf8') })),
  ...[
    ['invalid UTF-8 (0xFF 0xFE)', [0xff, 0xfe]],
    ['overlong UTF-8 dot (0xC0 0xAE)', [0xc0, 0xae]],
    ['UTF-8-encoded surrogate (0xED 0xA0 0x80)', [0xed, 0xa0, 0x80]],
    ['lone continuation byte (0x80)', [0x80]],
    ['truncated sequence (0xE2 0x82)', [0xe2, 0x82]],
  ].map(([label, bytes]) => ({
    label: label as string,
    bytes: Buffer.concat([
      Buffer.from('{"extId":"u'),
      Buffer.from(bytes as number[]),
      Buffer.from('","name":"n'),
      Buffer.from(bytes as number[]),
      Buffer.from('"}'),
    ]),
  })),
  { label: 'UTF-16LE with BOM', bytes: Buffer.from('\ufeff{"name":"x"}', 'utf16le') },
  { label: 'UTF-8 BOM', bytes: Buffer.from('\ufeff{"name":"x"}', 'utf8') },
);

/** Authorization headers that must all be 401 (undefined: none at all). */
export const hostileAuthorization: fc.Arbitrary<string | undefined> = fc.constantFrom<string | undefined>(
  undefined,
  '',
  'Bearer',
  'Bearer ',
  'Bearer x.y.z',
  'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsInBlcm1pc3Npb25zIjpbIklkZW50aXR5U3RvcmU6KiJdfQ.',
  'Basic YWRtaW46YWRtaW4=',
  `Bearer ${'a'.repeat(10_240)}`,
  'Bearer \u00ff\u00fe',
  'Bearer a b',
);

/** If-Match values (W/"<version>" is the valid form). */
export const ifMatchValues: fc.Arbitrary<string> = fc.constantFrom(
  'W/"1"',
  'W/"2"',
  'W/"0"',
  'W/"-1"',
  'W/"1e3"',
  'W/"99999999999999999999"',
  '"1"',
  '*',
  'W/""',
  'garbage',
);
