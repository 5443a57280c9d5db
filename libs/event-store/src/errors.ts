/** Raised when an append's expected version is not the stream's current version. */
export class ExpectedVersionConflictError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} is not at version ${expectedVersion}`);
    this.name = 'ExpectedVersionConflictError';
  }
}

/** Raised when a unique key (e.g. a store name) is already claimed by another stream. */
export class UniqueKeyTakenError extends Error {
  constructor(
    readonly scope: string,
    readonly key: string,
  ) {
    super(`${scope} "${key}" is already taken`);
    this.name = 'UniqueKeyTakenError';
  }
}

/** A unique-constraint violation, as Prisma model queries (P2002) or node-postgres (SQLSTATE 23505) report it. */
export const isUniqueViolation = (error: unknown): boolean => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'P2002' || code === '23505';
};
