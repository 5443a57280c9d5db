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

export const isUniqueViolation = (error: unknown): error is { code: string; meta?: { target?: unknown; modelName?: string } } =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
