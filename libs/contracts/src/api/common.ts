import { z } from 'zod';
import {
  EARLIEST_REQUEST_INSTANT,
  isBoundedIsoDuration,
  isIsoDuration,
  MAX_ISO_DURATION,
  MAX_ISO_DURATION_LENGTH,
} from '../iso-duration';

/** Policy names and config keys: 1–20 letters, digits or hyphens. */
export const policyNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,20}$/, 'must be 1–20 letters, digits or hyphens');
/** Store names: 1–64 letters, digits, `-` or `_`. */
export const storeNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, hyphens or underscores');
const NOT_A_DURATION = 'must be an ISO-8601 duration such as PT15M or P90D';
/**
 * A duration a request may set (review M1): well-formed, at most {@link MAX_ISO_DURATION} (10 years of
 * 365.2425 days) and {@link MAX_ISO_DURATION_LENGTH} characters.
 */
export const isoDurationSchema = z.string().superRefine((value, ctx) => {
  if (value.length > MAX_ISO_DURATION_LENGTH || !isIsoDuration(value))
    ctx.addIssue({ code: 'custom', message: NOT_A_DURATION });
  else if (!isBoundedIsoDuration(value))
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_ISO_DURATION} (10 years)` });
});
/**
 * A duration as stored and answered: any well-formed one, so that policies stored before the bound
 * still load (the deciders clamp the dates they compute from them).
 */
export const storedIsoDurationSchema = z.string().refine(isIsoDuration, NOT_A_DURATION);
/** A date-time as stored and answered (UTC, `Z`). */
export const dtmSchema = z.iso.datetime();
/** A date-time a request may set: UTC (`Z`), from 1970-01-01 to 9999-12-31 (review M1). */
export const requestDtmSchema = z.iso
  .datetime()
  .refine((value) => Date.parse(value) >= EARLIEST_REQUEST_INSTANT.getTime(), 'must not be before 1970-01-01T00:00:00Z');
export const contextSchema = z.record(z.string(), z.unknown());

/** A JSON object (not null, not an array). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A check of an object that also runs when other fields are bad (zod skips refinements of a failed
 * object otherwise), so one answer names every bad field.
 */
export const alwaysCheck = (check: (value: Record<string, unknown>, ctx: z.RefinementCtx) => void) =>
  z.superRefine<Record<string, unknown>>(check, { when: ({ value }) => isPlainObject(value) });

/**
 * A check of a list: each item at most once (compared by `key`), every repeat named (`repeats the
 * <what> <item>`). Also when other items are bad, so one answer names every bad item.
 */
export const eachOnce = (what: string, key: (item: unknown) => unknown = (item) => item) =>
  z.superRefine(
    (items: unknown[], ctx) => {
      const keys = items.map(key);
      keys.forEach((itemKey, index) => {
        if (keys.indexOf(itemKey) !== index)
          ctx.addIssue({ code: 'custom', path: [index], message: `repeats the ${what} ${String(items[index])}` });
      });
    },
    { when: ({ value }) => Array.isArray(value) },
  );

/**
 * How deep paging reaches (review L7): `(page + 1) × size` may not exceed this, as Elasticsearch's
 * `index.max_result_window` bounds `from + size`. A deeper page would be a long OFFSET scan.
 */
export const MAX_PAGE_WINDOW = 10_000;
const MAX_PAGE_SIZE = 100;

export const pageQuerySchema = z
  .object({
    page: z.coerce
      .number()
      .int()
      .min(0)
      .max(MAX_PAGE_WINDOW - 1)
      .default(0),
    size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
    sort: z
      .string()
      .regex(/^[A-Za-z][\w]*(,(asc|desc))?$/, 'must be field,asc or field,desc')
      .optional(),
  })
  .strip()
  .refine(({ page, size }) => (page + 1) * size <= MAX_PAGE_WINDOW, {
    path: ['page'],
    message: `(page + 1) × size must not exceed ${MAX_PAGE_WINDOW}`,
    // only once page and size are each valid (one message per bad field)
    when: (payload) => payload.issues.length === 0,
  });
export type PageQuery = z.output<typeof pageQuerySchema>;

/**
 * The page query as the document shows it for a list sortable by `sortFields`. `pageQuerySchema`
 * coerces strings to numbers (query values are strings), which zod-to-openapi would render as
 * nullable; this plain form documents the same parameters.
 */
export const documentedPageQuery = (sortFields: readonly string[]) =>
  z.object({
    page: z
      .number()
      .int()
      .min(0)
      .max(MAX_PAGE_WINDOW - 1)
      .default(0)
      .describe(`Page index, 0-based; (page + 1) × size must not exceed ${MAX_PAGE_WINDOW}.`),
    size: z.number().int().min(1).max(MAX_PAGE_SIZE).default(20).describe('Page size, 1–100.'),
    ...(sortFields.length > 0 && pageQuerySchema.shape.sort
      ? {
          sort: pageQuerySchema.shape.sort.describe(
            `\`field,asc\` or \`field,desc\`; field one of ${sortFields.map((f) => `\`${f}\``).join(', ')}.`,
          ),
        }
      : {}),
  });

export const pageOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    content: z.array(item),
    page: z.number().int(),
    size: z.number().int(),
    totalElements: z.number().int(),
    totalPages: z.number().int(),
  });

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

/** One page of an in-memory list, in the API's page shape. */
export const pageOfItems = <T>(items: T[], { page, size }: { page: number; size: number }) => ({
  content: items.slice(page * size, (page + 1) * size),
  page,
  size,
  totalElements: items.length,
  totalPages: Math.ceil(items.length / size),
});

/** `sort=field,desc` → { field, direction }. */
export const parseSort = (sort: string | undefined, allowed: readonly string[]) => {
  if (!sort) return undefined;
  const [field, direction = 'asc'] = sort.split(',');
  if (!field || !allowed.includes(field)) return undefined;
  return { field, direction: direction as 'asc' | 'desc' };
};
