/**
 * Just enough DER (ITU-T X.690) to read what node:crypto does not expose: the OCTET STRING that
 * wraps a *_DER RSA signature (FIDO Registry §3.6.1) and an extension of an X.509 certificate.
 * Every length is checked against the bytes present; indefinite and non-minimal lengths are refused.
 */
export interface DerElement {
  tag: number;
  /** The content octets. */
  content: Buffer;
  /** Offset just past the element in the buffer it was read from. */
  end: number;
}

export const DER = {
  BOOLEAN: 0x01,
  OCTET_STRING: 0x04,
  OBJECT_IDENTIFIER: 0x06,
  SEQUENCE: 0x30,
  /** [3] EXPLICIT, the extensions of a TBSCertificate (RFC 5280 §4.1). */
  CONTEXT_3: 0xa3,
} as const;

/** Reads the element at `offset`, or undefined when the bytes there are not one well-formed element. */
export const readDer = (bytes: Buffer, offset = 0): DerElement | undefined => {
  if (offset + 2 > bytes.length) return undefined;
  const tag = bytes.readUInt8(offset);
  if ((tag & 0x1f) === 0x1f) return undefined; // multi-byte tags do not occur in what is read here
  let length = bytes.readUInt8(offset + 1);
  let start = offset + 2;
  if (length & 0x80) {
    const lengthBytes = length & 0x7f;
    if (lengthBytes === 0 || lengthBytes > 3 || start + lengthBytes > bytes.length) return undefined;
    length = bytes.readUIntBE(start, lengthBytes);
    if (length < 0x80 || bytes[start] === 0) return undefined; // not the minimal encoding
    start += lengthBytes;
  }
  if (start + length > bytes.length) return undefined;
  return { tag, content: bytes.subarray(start, start + length), end: start + length };
};

/** The elements that exactly fill `bytes`, or undefined when they do not. */
export const readDerSequence = (bytes: Buffer): DerElement[] | undefined => {
  const elements: DerElement[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const element = readDer(bytes, offset);
    if (!element) return undefined;
    elements.push(element);
    offset = element.end;
  }
  return elements;
};

/** The content of `bytes` when they are exactly one element with tag `tag`. */
export const readWholeDer = (bytes: Buffer, tag: number): Buffer | undefined => {
  const element = readDer(bytes);
  return element && element.tag === tag && element.end === bytes.length ? element.content : undefined;
};

/** The dotted form of an OBJECT IDENTIFIER's content octets. */
export const oidText = (content: Buffer): string => {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const [first = 0, ...rest] = arcs;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...rest].join('.');
};
