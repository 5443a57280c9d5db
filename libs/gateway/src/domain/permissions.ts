import { WILDCARD_PERMISSION } from '@identity-store/contracts';

/**
 * Permissions an API key can carry: `IdentityStore:<operationId>` of an operation of the table, or
 * the wildcard (the catalogue is the contracts' `permissionCatalogue`, with the API-key schemas).
 * Stores: `null` means every store; a list restricts store-scoped operations to those names.
 */
export { isKnownPermission, permissionCatalogue, WILDCARD_PERMISSION } from '@identity-store/contracts';

export const hasPermission = (granted: readonly string[], required: string): boolean =>
  granted.includes(WILDCARD_PERMISSION) || granted.includes(required);

export const storeAllowed = (stores: readonly string[] | null, storeName: string): boolean =>
  stores === null || stores.includes(storeName);

export interface KeyScope {
  permissions: readonly string[];
  stores: readonly string[] | null;
}

export type ScopeViolation =
  | { code: 'PERMISSION_DENIED'; detail: string; missing: string[] }
  | { code: 'STORE_NOT_ALLOWED'; detail: string; missing: string[] };

/**
 * A key may only hand out (or manage) what it holds itself: every permission of `inner` must be
 * granted by `outer`, and `inner`'s stores must lie within `outer`'s. Without this rule a key that
 * may create keys would mint itself an unrestricted `IdentityStore:*` key.
 */
export const scopeViolation = (outer: KeyScope, inner: KeyScope): ScopeViolation | undefined => {
  const missing = inner.permissions.filter((permission) =>
    permission === WILDCARD_PERMISSION
      ? !outer.permissions.includes(WILDCARD_PERMISSION)
      : !hasPermission(outer.permissions, permission),
  );
  if (missing.length)
    return { code: 'PERMISSION_DENIED', detail: `The calling key lacks ${missing.join(', ')}.`, missing };
  if (outer.stores === null) return undefined;
  if (inner.stores === null)
    return {
      code: 'STORE_NOT_ALLOWED',
      detail: 'The calling key is restricted to some stores and cannot act on a key for every store.',
      missing: [],
    };
  const outside = inner.stores.filter((store) => !outer.stores!.includes(store));
  if (outside.length)
    return {
      code: 'STORE_NOT_ALLOWED',
      detail: `The calling key may not use store(s) ${outside.join(', ')}.`,
      missing: outside,
    };
  return undefined;
};

/**
 * What a token may do now: its claims (a snapshot taken at issuance) narrowed to the key's current
 * scope, so that taking a permission or a store away from a key takes effect on tokens already
 * issued too (within the key-status cache's lifetime).
 */
export const narrowScope = (
  token: KeyScope,
  current: KeyScope,
): { permissions: string[]; stores: string[] | null } => {
  const permissions = token.permissions.includes(WILDCARD_PERMISSION)
    ? [...current.permissions]
    : token.permissions.filter((permission) => hasPermission(current.permissions, permission));
  const stores =
    token.stores === null
      ? current.stores === null
        ? null
        : [...current.stores]
      : current.stores === null
        ? [...token.stores]
        : token.stores.filter((store) => current.stores!.includes(store));
  return { permissions, stores };
};
