import { timingSafeEqual } from 'node:crypto';

/** Equality of two byte strings in time independent of where they differ (only the lengths leak). */
export const bytesEqual = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** bytesEqual of two texts' UTF-8 bytes. */
export const textEqual = (a: string, b: string): boolean =>
  bytesEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
