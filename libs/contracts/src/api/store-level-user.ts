import { z } from 'zod';
import { alwaysCheck } from './common';

/** How store-level operations (one-call ceremonies, store-level starts) name a user in their body. */

export const userIdField = z.string().min(1).max(128).describe('The user’s internal id.');
export const extIdField = z.string().min(1).max(128).describe('The user’s external id.');


/** Exactly one of userId and extId. */
export const oneUserRef = alwaysCheck((body, ctx) => {
  if ((body.userId === undefined) === (body.extId === undefined))
    for (const field of ['userId', 'extId'])
      ctx.addIssue({ code: 'custom', path: [field], message: 'give exactly one of userId and extId' });
});
