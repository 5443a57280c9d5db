import { notFound, ownEntry } from '@identity-store/contracts';

/**
 * The named policy from a store's (or configuration's) policies, or 404 POLICY_NOT_FOUND with the
 * family's own message (`notFoundMessage`, e.g. "TOTP policy x does not exist in store y.").
 * Own entries only, so a name like `__proto__` is not a policy.
 */
export const requirePolicy = <P>(policies: Record<string, P>, name: string, notFoundMessage: string): P => {
  const policy = ownEntry(policies, name);
  if (!policy) throw notFound('POLICY_NOT_FOUND', notFoundMessage);
  return policy;
};
