/**
 * The TLV encoding of UAF authenticators ("FIDO UAF Authenticator Commands" §4): a 16-bit tag,
 * a 16-bit length, then that many bytes, both numbers little-endian. A tag with bit 0x1000 set is
 * composite: its value is itself a sequence of TLVs, decoded here into `children`.
 */
import { TLV_COMPOSITE_BIT } from './uaf-constants';
import { UafError } from './uaf-error';

export interface Tlv {
  tag: number;
  /** The value bytes; for a composite tag, the encoded children. */
  value: Buffer;
  /** The decoded value of a composite tag (bit 0x1000). */
  children?: Tlv[];
}

const HEADER_BYTES = 4;
const MAX_UINT16 = 0xffff;
/** Deep enough for every UAF structure (assertion › KRD › extension › field is 3 composite levels). */
const DEFAULT_MAX_DEPTH = 8;

const malformed = (message: string) => new UafError('MALFORMED_TLV', message);

const decodeSequence = (bytes: Buffer, depth: number, maxDepth: number): Tlv[] => {
  if (depth > maxDepth) throw malformed(`composite tags nest deeper than ${maxDepth} levels`);
  const items: Tlv[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < HEADER_BYTES) {
      throw malformed(
        `${bytes.length - offset} trailing bytes at offset ${offset}: too short for a tag and a length`,
      );
    }
    const tag = bytes.readUInt16LE(offset);
    const length = bytes.readUInt16LE(offset + 2);
    const start = offset + HEADER_BYTES;
    if (length > bytes.length - start) {
      throw malformed(
        `tag 0x${tag.toString(16)} at offset ${offset} claims ${length} bytes, ${bytes.length - start} remain`,
      );
    }
    const value = bytes.subarray(start, start + length);
    items.push(
      tag & TLV_COMPOSITE_BIT
        ? { tag, value, children: decodeSequence(value, depth + 1, maxDepth) }
        : { tag, value },
    );
    offset = start + length;
  }
  return items;
};

/** Decodes a sequence of TLVs; throws UafError('MALFORMED_TLV') on any byte that does not fit. */
export const decodeTlv = (bytes: Buffer, options: { maxDepth?: number } = {}): Tlv[] =>
  decodeSequence(bytes, 0, options.maxDepth ?? DEFAULT_MAX_DEPTH);

const header = (tag: number, length: number): Buffer => {
  if (!Number.isInteger(tag) || tag < 0 || tag > MAX_UINT16)
    throw malformed(`tag ${tag} is not a 16-bit value`);
  if (length > MAX_UINT16)
    throw malformed(`tag 0x${tag.toString(16)}: ${length} bytes exceed the 16-bit length`);
  const bytes = Buffer.alloc(HEADER_BYTES);
  bytes.writeUInt16LE(tag, 0);
  bytes.writeUInt16LE(length, 2);
  return bytes;
};

/** Encodes one TLV; an array value is encoded as the concatenation of its TLVs (a composite value). */
export const encodeTlv = (tag: number, value: Buffer | Tlv[]): Buffer => {
  const content = Buffer.isBuffer(value)
    ? value
    : Buffer.concat(value.map((child) => encodeTlv(child.tag, child.children ?? child.value)));
  return Buffer.concat([header(tag, content.length), content]);
};
