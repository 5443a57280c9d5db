import { UafError, type UafErrorCode } from './uaf-error';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The bytes of `text`, which must be base64url without padding (UAF Protocol §1 "Notation") and
 * canonical (its unused trailing bits zero), so one byte string has exactly one spelling.
 */
export const decodeBase64Url = (
  text: string,
  field: string,
  code: UafErrorCode = 'MALFORMED_MESSAGE',
): Buffer => {
  const bytes = base64UrlBytesOrUndefined(text);
  if (!bytes) throw new UafError(code, `${field} is not unpadded base64url`);
  return bytes;
};

/** The bytes of canonical unpadded base64url `text`, else undefined. */
export const base64UrlBytesOrUndefined = (text: string): Buffer | undefined => {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
};
