import fc from 'fast-check';
import { type Tlv, decodeTlv, encodeTlv } from './index';
import { uafErrorCode } from './testing/uaf-spec-ceremonies';

/** Leaf tags (bit 0x1000 clear) and composite tags (bit 0x1000 set), any other bits. */
const leafTag = fc.integer({ min: 0, max: 0xffff }).map((tag) => tag & ~0x1000);
const compositeTag = fc.integer({ min: 0, max: 0xffff }).map((tag) => tag | 0x1000);
const { tree } = fc.letrec<{ tree: Tlv }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ tag: leafTag, value: fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)) }),
    fc
      .record({ tag: compositeTag, children: fc.array(tie('tree'), { maxLength: 4 }) })
      .map(({ tag, children }): Tlv => ({
        tag,
        value: Buffer.concat(children.map((child) => encodeTlv(child.tag, child.children ?? child.value))),
        children,
      })),
  ),
}));
const sequence = fc.array(tree, { maxLength: 4 });
const encodeAll = (items: Tlv[]) =>
  Buffer.concat(items.map((item) => encodeTlv(item.tag, item.children ?? item.value)));

describe('encodeTlv / decodeTlv (Authenticator Commands §4)', () => {
  it('writes tag and length little-endian before the value', () => {
    expect(encodeTlv(0x2e0b, Buffer.from('ABCD#ABCD')).toString('hex')).toBe(
      '0b2e0900' + Buffer.from('ABCD#ABCD').toString('hex'),
    );
  });

  it('encodes an array value as the concatenation of its TLVs', () => {
    const inner = [
      { tag: 0x2e06, value: Buffer.from([1, 2]) },
      { tag: 0x2e05, value: Buffer.alloc(0) },
    ];
    expect(encodeTlv(0x3e08, inner).toString('hex')).toBe('083e0a00' + '062e02000102' + '052e0000');
  });

  it('decodes the children of composite tags (bit 0x1000) and leaves other values alone', () => {
    const bytes = encodeTlv(0x3e08, [{ tag: 0x2e06, value: Buffer.from([1]) }]);
    expect(decodeTlv(Buffer.concat([bytes, encodeTlv(0x2e06, bytes)]))).toEqual([
      { tag: 0x3e08, value: bytes.subarray(4), children: [{ tag: 0x2e06, value: Buffer.from([1]) }] },
      { tag: 0x2e06, value: bytes },
    ]);
  });

  it('decodes nothing from no bytes', () => {
    expect(decodeTlv(Buffer.alloc(0))).toEqual([]);
  });

  it('round-trips any tree of TLVs', () => {
    fc.assert(
      fc.property(sequence, (items) => {
        const bytes = encodeAll(items);
        const decoded = decodeTlv(bytes, { maxDepth: 64 });
        expect(encodeAll(decoded)).toEqual(bytes);
        expect(decoded.map((item) => item.tag)).toEqual(items.map((item) => item.tag));
      }),
    );
  });

  it('refuses every truncation of an encoding that cuts into a TLV', () => {
    fc.assert(
      fc.property(fc.array(tree, { minLength: 1, maxLength: 3 }), fc.nat(), (items, cut) => {
        const bytes = encodeAll(items);
        const boundaries = new Set(
          items.reduce<number[]>(
            (ends, item) => [...ends, (ends.at(-1) ?? 0) + encodeAll([item]).length],
            [0],
          ),
        );
        const length = cut % bytes.length;
        fc.pre(!boundaries.has(length));
        expect(uafErrorCode(() => decodeTlv(bytes.subarray(0, length), { maxDepth: 64 }))).toBe(
          'MALFORMED_TLV',
        );
      }),
    );
  });

  it('refuses a length beyond the bytes present', () => {
    fc.assert(
      fc.property(
        leafTag,
        fc.uint8Array({ maxLength: 16 }),
        fc.integer({ min: 1, max: 0xffff }),
        (tag, value, excess) => {
          const length = Math.min(value.length + excess, 0xffff);
          const bytes = Buffer.concat([
            Buffer.from([tag & 0xff, tag >> 8, length & 0xff, length >> 8]),
            value,
          ]);
          expect(uafErrorCode(() => decodeTlv(bytes))).toBe('MALFORMED_TLV');
        },
      ),
    );
  });

  it('refuses 1 to 3 trailing bytes after whole TLVs', () => {
    fc.assert(
      fc.property(sequence, fc.uint8Array({ minLength: 1, maxLength: 3 }), (items, trailing) => {
        expect(
          uafErrorCode(() => decodeTlv(Buffer.concat([encodeAll(items), trailing]), { maxDepth: 64 })),
        ).toBe('MALFORMED_TLV');
      }),
    );
  });

  it('refuses composite tags nested deeper than maxDepth (8 by default)', () => {
    const nested = (depth: number): Buffer =>
      depth === 0 ? encodeTlv(0x2e06, Buffer.from([1])) : encodeTlv(0x3e11, nested(depth - 1));
    expect(decodeTlv(nested(8))).toHaveLength(1);
    expect(uafErrorCode(() => decodeTlv(nested(9)))).toBe('MALFORMED_TLV');
    expect(uafErrorCode(() => decodeTlv(nested(3), { maxDepth: 2 }))).toBe('MALFORMED_TLV');
  });

  it('refuses to encode a value longer than 65535 bytes or a tag beyond 16 bits', () => {
    expect(uafErrorCode(() => encodeTlv(0x2e06, Buffer.alloc(0x10000)))).toBe('MALFORMED_TLV');
    expect(encodeTlv(0x2e06, Buffer.alloc(0xffff))).toHaveLength(0xffff + 4);
    expect(uafErrorCode(() => encodeTlv(0x10000, Buffer.alloc(0)))).toBe('MALFORMED_TLV');
  });
});
