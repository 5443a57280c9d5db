import {
  InvalidIsoDurationError,
  LATEST_INSTANT,
  MAX_ISO_DURATION,
  addIsoDuration,
  addMilliseconds,
  isBoundedIsoDuration,
  isIsoDuration,
  isoDurationToMilliseconds,
  parseIsoDuration,
} from './iso-duration';

const zero = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };

describe('parseIsoDuration', () => {
  it.each([
    ['PT15M', { ...zero, minutes: 15 }],
    ['PT5M', { ...zero, minutes: 5 }],
    ['P90D', { ...zero, days: 90 }],
    ['P2W', { ...zero, weeks: 2 }],
    ['PT1H30M', { ...zero, hours: 1, minutes: 30 }],
    ['P1Y2M3DT4H5M6S', { years: 1, months: 2, weeks: 0, days: 3, hours: 4, minutes: 5, seconds: 6 }],
    ['PT1.5S', { ...zero, seconds: 1.5 }],
    ['PT0,5H', { ...zero, hours: 0.5 }],
    ['PT0S', zero],
    ['P0D', zero],
  ])('%s', (input, expected) => {
    expect(parseIsoDuration(input)).toEqual(expected);
    expect(isIsoDuration(input)).toBe(true);
  });

  it.each([
    '',
    'P',
    'PT',
    'P1DT',
    'T5M',
    '15M',
    'pt15m',
    'PT-5M',
    '-PT5M',
    'PT5',
    'P1H',
    'PT1D',
    'PT1.5H30M',
    'P1.5M',
    'PT15M ',
    'P1M1Y',
  ])('rejects %j', (input) => {
    expect(() => parseIsoDuration(input)).toThrow(InvalidIsoDurationError);
    expect(isIsoDuration(input)).toBe(false);
  });
});

describe('isoDurationToMilliseconds', () => {
  it.each([
    ['PT15M', 900_000],
    ['PT1H', 3_600_000],
    ['P1D', 86_400_000],
    ['P1W', 604_800_000],
    ['P1DT1H1M1.5S', 86_400_000 + 3_600_000 + 60_000 + 1_500],
    ['PT0S', 0],
  ])('%s = %i ms', (input, ms) => {
    expect(isoDurationToMilliseconds(input)).toBe(ms);
  });

  it('refuses calendar units, whose length depends on the date', () => {
    expect(() => isoDurationToMilliseconds('P1M')).toThrow(InvalidIsoDurationError);
    expect(() => isoDurationToMilliseconds('P1Y')).toThrow(InvalidIsoDurationError);
  });
});

describe('addIsoDuration', () => {
  const at = (iso: string) => new Date(iso);

  it.each([
    ['2026-05-07T10:00:00.000Z', 'PT15M', '2026-05-07T10:15:00.000Z'],
    ['2026-05-07T23:50:00.000Z', 'PT15M', '2026-05-08T00:05:00.000Z'],
    ['2026-03-28T12:00:00.000Z', 'P1D', '2026-03-29T12:00:00.000Z'],
    ['2026-01-01T00:00:00.000Z', 'P90D', '2026-04-01T00:00:00.000Z'],
    ['2024-01-31T08:00:00.000Z', 'P1M', '2024-02-29T08:00:00.000Z'],
    ['2023-01-31T08:00:00.000Z', 'P1M', '2023-02-28T08:00:00.000Z'],
    ['2024-02-29T00:00:00.000Z', 'P1Y', '2025-02-28T00:00:00.000Z'],
    ['2025-11-15T00:00:00.000Z', 'P3M', '2026-02-15T00:00:00.000Z'],
    ['2025-12-31T22:00:00.000Z', 'P1Y2MT3H', '2027-03-01T01:00:00.000Z'],
  ])('%s + %s = %s', (start, duration, expected) => {
    expect(addIsoDuration(at(start), duration).toISOString()).toBe(expected);
  });

  it('does not mutate its argument', () => {
    const start = at('2026-05-07T10:00:00.000Z');
    addIsoDuration(start, 'P1M');
    expect(start.toISOString()).toBe('2026-05-07T10:00:00.000Z');
  });
});

describe('bounds (review M1)', () => {
  const at = (iso: string) => new Date(iso);
  const latest = '9999-12-31T23:59:59.999Z';

  it('the latest instant is the last millisecond of year 9999', () => {
    expect(LATEST_INSTANT.toISOString()).toBe(latest);
  });

  it.each(['PT15M', 'P90D', MAX_ISO_DURATION, 'P120M', 'P3652D', 'PT87658H', 'P9Y11M', 'P10YT0S'])(
    'accepts %s (at most 10 years of 365.2425 days)',
    (input) => {
      expect(isBoundedIsoDuration(input)).toBe(true);
    },
  );

  it.each([
    'P10YT1S',
    'P121M',
    'P3653D',
    'P11Y',
    'P1000000Y',
    'PT99999999999H',
    `P${'9'.repeat(400)}D`,
    `PT${'0'.repeat(61)}1S`,
    'nonsense',
  ])('refuses %s', (input) => {
    expect(isBoundedIsoDuration(input)).toBe(false);
  });

  it.each([
    ['P1000000Y'],
    ['P300000Y'],
    ['PT99999999999H'],
    [`P${'9'.repeat(400)}D`],
    [`P${'9'.repeat(400)}M`],
    [`PT${'9'.repeat(400)}S`],
    ['P8000Y'],
  ])('addIsoDuration(now, %s) is the latest instant, never an Invalid Date', (input) => {
    const result = addIsoDuration(at('2026-05-07T10:00:00.000Z'), input);
    expect(result.toISOString()).toBe(latest);
  });

  it('a sum just before the latest instant is exact', () => {
    expect(addIsoDuration(at('9999-12-31T23:00:00.000Z'), 'PT59M').toISOString()).toBe('9999-12-31T23:59:00.000Z');
  });

  it('addMilliseconds clamps to the latest instant', () => {
    expect(addMilliseconds(at('2026-05-07T10:00:00.000Z'), 300_000).toISOString()).toBe('2026-05-07T10:05:00.000Z');
    expect(addMilliseconds(at('2026-05-07T10:00:00.000Z'), Number.MAX_VALUE).toISOString()).toBe(latest);
    expect(addMilliseconds(at('2026-05-07T10:00:00.000Z'), Number.NaN).toISOString()).toBe(latest);
  });
});
