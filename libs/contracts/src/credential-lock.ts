/**
 * Lockout as readers see it. A lock is a time (`lockedUntil`) recorded by an event; LOCKED is never
 * stored: an ACTIVE credential shows LOCKED while its lock runs, and ACTIVE again once it has run
 * out, with no event in between. The one rule for TOTPs and passcodes, their resources and their
 * summaryInfo items alike.
 */

/** Whether a lock recorded until `lockedUntil` (null or absent: none) still runs at `now`. */
export const lockRunsAt = (lockedUntil: string | null | undefined, now: Date): boolean =>
  lockedUntil !== null && lockedUntil !== undefined && Date.parse(lockedUntil) > now.getTime();

/** A credential's status as the API shows it at `now`: LOCKED while an ACTIVE one's lock runs. */
export const statusAt = <S extends string>(
  status: S,
  lockedUntil: string | null | undefined,
  now: Date,
): S | 'LOCKED' => (status === 'ACTIVE' && lockRunsAt(lockedUntil, now) ? 'LOCKED' : status);
