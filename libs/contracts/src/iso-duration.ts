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

/** `date + duration`, in UTC. Returns a new Date. */
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
  return new Date(result.getTime() + fixedMilliseconds(d));
};
