/**
 * Errors a decider raises when a command must be rejected. They name a kind, not an HTTP status,
 * so domain code stays transport-free; the HTTP kit maps kinds to RFC 9457 problems.
 */
export type DomainErrorKind =
  | 'validation' // 400
  | 'forbidden' // 403 (e.g. user not ACTIVE)
  | 'not-found' // 404
  | 'conflict' // 409
  | 'gone' // 410 (expired session)
  | 'precondition-failed' // 412 (stale If-Match)
  | 'locked'; // 423

export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** Stable machine-readable code, e.g. TOTP_NOT_FOUND, PASSCODE_EXPIRED. */
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    /** Extra members of the problem answered for it (RFC 9457 extensions), e.g. a failure `reason`. */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (code: string, message: string) => new DomainError('not-found', code, message);
export const conflict = (code: string, message: string) => new DomainError('conflict', code, message);
export const locked = (code: string, message: string) => new DomainError('locked', code, message);
export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);
export const invalid = (code: string, message: string, errors?: FieldError[]) =>
  new DomainError('validation', code, message, errors);
