import { z } from 'zod';

/** How store-level operations (one-call ceremonies, store-level starts) name a user in their body. */

export const userIdField = z.string().min(1).max(128).describe('The user’s internal id.');
export const extIdField = z.string().min(1).max(128).describe('The user’s external id.');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A check that also runs when other fields are bad (zod skips refinements of a failed object
 * otherwise), so one answer names every bad field.
 */
export const alwaysCheck = (check: (value: Record<string, unknown>, ctx: z.RefinementCtx) => void) =>
  z.superRefine<Record<string, unknown>>(check, { when: ({ value }) => isPlainObject(value) });

/** Exactly one of userId and extId. */
export const oneUserRef = alwaysCheck((body, ctx) => {
  if ((body.userId === undefined) === (body.extId === undefined))
    for (const field of ['userId', 'extId'])
      ctx.addIssue({ code: 'custom', path: [field], message: 'give exactly one of userId and extId' });
});
