/**
 * ISO-8601 durations (`PnYnMnWnDTnHnMnS`) as the API uses them for `lockoutDuration`, `validity`, …
 *
 * No maintained package for this is among the project's dependencies, so this is a small, pure parser.
 * Components: years, months, weeks, days before `T`; hours, minutes, seconds after it. Only the
 * smallest present component may carry a fraction (`PT1.5S`, `PT0.5H`), as ISO 8601 allows; a comma
 * is accepted as decimal sign. Negative durations are rejected.
 *
 * Arithmetic is in UTC: days are 24 h (UTC has no DST), years and months are calendar units whose
 * day-of-month is clamped to the target month (2024-01-31 + P1M = 2024-02-29), as java.time does.
 *
 * Bounds (review M1): a duration the API accepts is at most {@link MAX_ISO_DURATION} (10 years), and
 * no date computed here lies after {@link LATEST_INSTANT}, so no duration, however large (a policy
 * stored before the bound), can make a decision throw on an Invalid Date.
 */
export interface IsoDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const PATTERN =
  /^P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

const FIELDS = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;

const MS = {
  // java.time's estimated lengths of the calendar units (ChronoUnit.YEARS, MONTHS): 365.2425 days.
  years: 31_556_952_000,
  months: 2_629_746_000,
  weeks: 604_800_000,
  days: 86_400_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1_000,
} as const;

export class InvalidIsoDurationError extends Error {
  constructor(readonly input: string) {
    super(`Invalid ISO-8601 duration: ${JSON.stringify(input)}`);
    this.name = 'InvalidIsoDurationError';
  }
}

/** Parses an ISO-8601 duration; throws {@link InvalidIsoDurationError} when malformed. */
export const parseIsoDuration = (input: string): IsoDuration => {
  const match = PATTERN.exec(input);
  // "P" and "PT" alone are not durations; neither is a "T" without a time component.
  if (!match || input === 'P' || input.endsWith('T')) throw new InvalidIsoDurationError(input);
  const groups = match.slice(1);
  const present = groups.map((g) => g !== undefined);
  const lastPresent = present.lastIndexOf(true);
  if (lastPresent < 0) throw new InvalidIsoDurationError(input);
  const duration: IsoDuration = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
  FIELDS.forEach((field, i) => {
    const raw = groups[i];
    if (raw === undefined) return;
    const fractional = /[.,]/.test(raw);
    if (fractional && i !== lastPresent) throw new InvalidIsoDurationError(input);
    // Calendar units cannot be fractional: their length depends on the date they are added to.
    if (fractional && (field === 'years' || field === 'months')) throw new InvalidIsoDurationError(input);
    duration[field] = Number(raw.replace(',', '.'));
  });
  return duration;
};

export const isIsoDuration = (input: string): boolean => {
  try {
    parseIsoDuration(input);
    return true;
  } catch {
    return false;
  }
};

const fixedMilliseconds = (d: IsoDuration): number =>
  Math.round(
    d.weeks * MS.weeks +
      d.days * MS.days +
      d.hours * MS.hours +
      d.minutes * MS.minutes +
      d.seconds * MS.seconds,
  );

/** The longest duration the API accepts (policies' lockoutDuration, validity, renewalWindow). */
export const MAX_ISO_DURATION = 'P10Y';
/**
 * {@link MAX_ISO_DURATION} in milliseconds: 10 years of 365.2425 days. A duration's length is
 * compared with it counting a year as 365.2425 days and a month as a twelfth of that, so P10Y,
 * P120M and P3652D are accepted and P3653D is not.
 */
export const MAX_ISO_DURATION_MS = 10 * MS.years;
/** The longest duration string the API accepts (a bound on the parser's input). */
export const MAX_ISO_DURATION_LENGTH = 64;

/**
 * The latest instant any computed date may be: the last millisecond of year 9999, the latest an
 * ISO-8601 date-time with a four-digit year (as the API writes them) can name.
 */
export const LATEST_INSTANT = new Date('9999-12-31T23:59:59.999Z');
/** The earliest instant a request may name (request dates lie between 1970 and {@link LATEST_INSTANT}). */
export const EARLIEST_REQUEST_INSTANT = new Date('1970-01-01T00:00:00.000Z');

/** `ms` as a Date no later than {@link LATEST_INSTANT}; an overflow (NaN, ±Infinity, too large) is that instant. */
export const clampToLatestInstant = (ms: number): Date =>
  new Date(Number.isFinite(ms) && ms < LATEST_INSTANT.getTime() ? ms : LATEST_INSTANT.getTime());

/** `date + ms`, never after {@link LATEST_INSTANT} (and never an Invalid Date). */
export const addMilliseconds = (date: Date, ms: number): Date => clampToLatestInstant(date.getTime() + ms);

/** The nominal length in milliseconds (years and months at their estimated lengths); may be Infinity. */
const nominalMilliseconds = (d: IsoDuration): number =>
  d.years * MS.years + d.months * MS.months + fixedMilliseconds(d);

/** A well-formed duration no longer than {@link MAX_ISO_DURATION} (and no longer than 64 characters). */
export const isBoundedIsoDuration = (input: string): boolean => {
  if (input.length > MAX_ISO_DURATION_LENGTH || !isIsoDuration(input)) return false;
  return nominalMilliseconds(parseIsoDuration(input)) <= MAX_ISO_DURATION_MS;
};

/**
 * The length of a duration in milliseconds. Only for durations without years or months (their length
 * depends on the calendar); use {@link addIsoDuration} for those.
 */
export const isoDurationToMilliseconds = (input: string): number => {
  const d = parseIsoDuration(input);
  if (d.years !== 0 || d.months !== 0) {
    throw new InvalidIsoDurationError(input);
  }
  return fixedMilliseconds(d);
};

const daysInUtcMonth = (year: number, monthIndex: number): number =>
  new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();

/**
 * `date + duration`, in UTC. Returns a new Date, never after {@link LATEST_INSTANT}: a sum past it
 * (or too large for a Date at all) is that instant, so a well-formed duration never makes this
 * throw or return an Invalid Date. Throws {@link InvalidIsoDurationError} only for malformed input.
 */
export const addIsoDuration = (date: Date, input: string): Date => {
  const d = parseIsoDuration(input);
  const result = new Date(date.getTime());
  const totalMonths = d.years * 12 + d.months;
  if (totalMonths !== 0) {
    const monthIndex = result.getUTCMonth() + totalMonths;
    const year = result.getUTCFullYear() + Math.floor(monthIndex / 12);
    const month = ((monthIndex % 12) + 12) % 12;
    const day = Math.min(result.getUTCDate(), daysInUtcMonth(year, month));
    result.setUTCFullYear(year, month, day);
  }
  return clampToLatestInstant(result.getTime() + fixedMilliseconds(d));
};
