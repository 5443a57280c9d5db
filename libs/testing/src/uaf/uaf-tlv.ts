/**
 * The UAFV1TLV encoding (FIDO UAF Authenticator Commands v1.1, "Tags"; values normatively in the
 * UAF Registry of Predefined Values v1.1, "Tags used in the UAF Protocol"): every item is a
 * UINT16 tag, a UINT16 length (the value's bytes) and the value, little-endian like every integer
 * of these structures ("all data is encoded in little-endian format unless stated otherwise").
 * Tags with bit 0x1000 set are composite: their value is again a sequence of TLVs.
 */
export const UafTag = {
  UAFV1_REG_ASSERTION: 0x3e01,
  UAFV1_AUTH_ASSERTION: 0x3e02,
  UAFV1_KRD: 0x3e03,
  UAFV1_SIGNED_DATA: 0x3e04,
  ATTESTATION_CERT: 0x2e05,
  SIGNATURE: 0x2e06,
  ATTESTATION_BASIC_FULL: 0x3e07,
  ATTESTATION_BASIC_SURROGATE: 0x3e08,
  KEYID: 0x2e09,
  FINAL_CHALLENGE_HASH: 0x2e0a,
  AAID: 0x2e0b,
  PUB_KEY: 0x2e0c,
  COUNTERS: 0x2e0d,
  ASSERTION_INFO: 0x2e0e,
  AUTHENTICATOR_NONCE: 0x2e0f,
  TRANSACTION_CONTENT_HASH: 0x2e10,
} as const;

/** UAF Registry v1.1, "Authentication Algorithms" and "Public Key Representation Formats". */
export const UafAlgorithm = {
  /** ECDSA P-256/SHA-256 signature as r | s, 32 bytes each, big-endian. */
  SIGN_SECP256R1_ECDSA_SHA256_RAW: 0x0001,
  /** ECDSA P-256/SHA-256 signature as DER SEQUENCE { r INTEGER, s INTEGER }. */
  SIGN_SECP256R1_ECDSA_SHA256_DER: 0x0002,
  /** Uncompressed X9.62 point: 0x04 | X (32 bytes) | Y (32 bytes). */
  KEY_ECC_X962_RAW: 0x0100,
  /** DER SubjectPublicKeyInfo (RFC 5480) with the namedCurve parameter. */
  KEY_ECC_X962_DER: 0x0101,
} as const;

const COMPOSITE = 0x1000;

export const uint8 = (value: number): Buffer => Buffer.from([value]);

export const uint16 = (value: number): Buffer => {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(value);
  return bytes;
};

export const uint32 = (value: number): Buffer => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
};

/** One TLV item; several values are concatenated (a composite tag's children, an integer record). */
export const tlv = (tag: number, ...values: Buffer[]): Buffer => {
  const value = Buffer.concat(values);
  if (value.length > 0xffff) throw new Error(`TLV value of tag 0x${tag.toString(16)} is over 65535 bytes`);
  return Buffer.concat([uint16(tag), uint16(value.length), value]);
};

/** Where one TLV item sits in a buffer: `start` is its tag, `valueStart` its value, `end` one past it. */
export interface TlvItem {
  tag: number;
  start: number;
  valueStart: number;
  end: number;
}

/** The items of one TLV sequence; a length running past `end` is an error. */
export const readTlvSequence = (bytes: Buffer, start = 0, end = bytes.length): TlvItem[] => {
  const items: TlvItem[] = [];
  for (let offset = start; offset < end;) {
    if (offset + 4 > end) throw new Error(`TLV header at ${offset} is cut off`);
    const tag = bytes.readUInt16LE(offset);
    const valueStart = offset + 4;
    const itemEnd = valueStart + bytes.readUInt16LE(offset + 2);
    if (itemEnd > end) throw new Error(`TLV 0x${tag.toString(16)} at ${offset} runs past its container`);
    items.push({ tag, start: offset, valueStart, end: itemEnd });
    offset = itemEnd;
  }
  return items;
};

/** The first item with `tag`, searching composite items depth-first. */
export const findTlv = (bytes: Buffer, tag: number, start = 0, end = bytes.length): TlvItem | undefined => {
  for (const item of readTlvSequence(bytes, start, end)) {
    if (item.tag === tag) return item;
    if (item.tag & COMPOSITE) {
      const inner = findTlv(bytes, tag, item.valueStart, item.end);
      if (inner) return inner;
    }
  }
  return undefined;
};
