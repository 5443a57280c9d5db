import { z } from 'zod';
import { isIsoDuration } from '../iso-duration';

/** Policy names and config keys: 1–20 letters, digits or hyphens. */
export const policyNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,20}$/, 'must be 1–20 letters, digits or hyphens');
/** Store names: 1–64 letters, digits, `-` or `_`. */
export const storeNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, hyphens or underscores');
export const isoDurationSchema = z.string().refine(isIsoDuration, 'must be an ISO-8601 duration such as PT15M or P90D');
export const dtmSchema = z.iso.datetime();
export const contextSchema = z.record(z.string(), z.unknown());

export const pageQuerySchema = z
  .object({
    page: z.coerce.number().int().min(0).default(0),
    size: z.coerce.number().int().min(1).max(100).default(20),
    sort: z
      .string()
      .regex(/^[A-Za-z][\w]*(,(asc|desc))?$/, 'must be field,asc or field,desc')
      .optional(),
  })
  .strip();
export type PageQuery = z.output<typeof pageQuerySchema>;

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
