import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * RFC 6238 (TOTP) code generation and verification, on top of the `otpauth` package.
 * Pure except {@link newTotpSecret}, which draws random bytes. The decider gets the clock from its
 * commands, so every function here takes the timestamp explicitly.
 */

export type TotpCodeAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface TotpParameters {
  secret: Uint8Array;
  algorithm: TotpCodeAlgorithm;
  digits: number;
  /** Time-step length in seconds. */
  period: number;
}

/** Copies the bytes, so a view on a larger (e.g. pooled Buffer) ArrayBuffer is never read past its end. */
const toSecret = (bytes: Uint8Array): Secret => new Secret({ buffer: Uint8Array.from(bytes).buffer });

/** The RFC 6238 time step (counter) of a timestamp: floor(unixSeconds / period). */
export const totpTimeStep = ({ period, timestampMs }: { period: number; timestampMs: number }): number =>
  TOTP.counter({ period, timestamp: timestampMs });

export const generateTotp = ({
  secret,
  algorithm,
  digits,
  period,
  timestampMs,
}: TotpParameters & { timestampMs: number }): string =>
  TOTP.generate({ secret: toSecret(secret), algorithm, digits, period, timestamp: timestampMs });

/**
 * Verifies `code` against the time steps `current - window … current + window` and returns the
 * absolute time step it matched, or null. otpauth compares in constant time (crypto.timingSafeEqual);
 * anything that is not exactly `digits` ASCII digits is rejected up front (which also keeps
 * timingSafeEqual from seeing inputs of different byte lengths).
 */
export const matchTotp = ({
  secret,
  algorithm,
  digits,
  period,
  window,
  code,
  timestampMs,
}: TotpParameters & { window: number; code: string; timestampMs: number }): number | null => {
  if (code.length !== digits || !/^[0-9]+$/.test(code)) return null;
  const delta = TOTP.validate({
    token: code,
    secret: toSecret(secret),
    algorithm,
    digits,
    period,
    timestamp: timestampMs,
    window,
  });
  return delta === null ? null : totpTimeStep({ period, timestampMs }) + delta;
};

/** Secret length per RFC 6238 §5.1 / Appendix A: the HMAC output length of the algorithm. */
export const TOTP_SECRET_BYTES: Readonly<Record<TotpCodeAlgorithm, number>> = {
  SHA1: 20,
  SHA256: 32,
  SHA512: 64,
};

/** A fresh random shared secret of the length RFC 6238 recommends for the algorithm. */
export const newTotpSecret = (algorithm: TotpCodeAlgorithm): Uint8Array =>
  new Uint8Array(randomBytes(TOTP_SECRET_BYTES[algorithm]));

/** RFC 4648 base32 without padding, as authenticator apps expect. */
export const toBase32 = (bytes: Uint8Array): string => toSecret(bytes).base32;

/** Decodes base32 (case-insensitive, padding optional); throws on invalid characters. */
export const fromBase32 = (base32: string): Uint8Array => Uint8Array.from(Secret.fromBase32(base32).bytes);

/**
 * The Key URI (`otpauth://totp/Issuer:account?issuer=…&secret=…&algorithm=…&digits=…&period=…`) that
 * authenticator apps import, usually as a QR code.
 */
export const otpauthUri = ({
  issuer,
  account,
  secretBase32,
  algorithm,
  digits,
  period,
}: {
  issuer: string;
  account: string;
  secretBase32: string;
  algorithm: TotpCodeAlgorithm;
  digits: number;
  period: number;
}): string =>
  new TOTP({ issuer, label: account, secret: secretBase32, algorithm, digits, period }).toString();
