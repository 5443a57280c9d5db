/**
 * Reading the fields of a composite UAF tag: "the order of tags within a composite tag is not
 * normative" (Authenticator Commands §5.2), a field meant once must occur once, a critical
 * extension (0x3E11) or an unknown tag with the critical bit 0x2000 aborts the message, and
 * non-critical unknown tags (0x3E12 extensions, UVI, UVS, …) are skipped (§4).
 */
import { type Tlv } from './tlv';
import { TLV_CRITICAL_BIT, UAF_TAGS } from './uaf-constants';
import { UafError } from './uaf-error';

const TAG_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(UAF_TAGS).map(([name, tag]) => [tag, name]),
);

export const tagName = (tag: number): string =>
  TAG_NAMES.get(tag) ?? `tag 0x${tag.toString(16).padStart(4, '0')}`;

/** KeyID: byte[32..2048] (UAF Protocol §3.1.5). */
export const KEY_ID_BYTES = { min: 32, max: 2048 } as const;

export const malformedAssertion = (message: string) => new UafError('MALFORMED_ASSERTION', message);

const extensionId = (extension: Tlv): string => {
  const id = extension.children?.find((child) => child.tag === UAF_TAGS.TAG_EXTENSION_ID);
  return id ? JSON.stringify(id.value.toString('utf8')) : 'without TAG_EXTENSION_ID';
};

export interface TlvFields {
  /** The value of a field that occurs exactly once. */
  one(tag: number): Buffer;
  /** The field (with its children) that occurs exactly once. */
  child(tag: number): Tlv;
  /** The fields of a tag that may occur any number of times, in their order. */
  all(tag: number): Tlv[];
  /** Whether the tag occurs. */
  has(tag: number): boolean;
}

/**
 * The fields of `parent` among `known` tags (`repeatable` ones may occur more than once); refuses
 * critical extensions and unknown critical tags, skips the rest.
 */
export const tlvFields = (
  parent: Tlv,
  known: readonly number[],
  repeatable: readonly number[] = [],
): TlvFields => {
  const where = tagName(parent.tag);
  const found = new Map<number, Tlv[]>();
  for (const child of parent.children ?? []) {
    if (child.tag === UAF_TAGS.TAG_EXTENSION) {
      throw new UafError(
        'UNKNOWN_CRITICAL_EXTENSION',
        `${where} carries the unknown critical extension ${extensionId(child)}`,
      );
    }
    if (known.includes(child.tag) || repeatable.includes(child.tag)) {
      const list = found.get(child.tag) ?? [];
      if (list.length > 0 && !repeatable.includes(child.tag))
        throw malformedAssertion(`${where}: ${tagName(child.tag)} occurs twice`);
      found.set(child.tag, [...list, child]);
    } else if (child.tag & TLV_CRITICAL_BIT && child.tag !== UAF_TAGS.TAG_EXTENSION_NON_CRITICAL) {
      throw new UafError(
        'UNKNOWN_CRITICAL_EXTENSION',
        `${where} carries the unknown critical ${tagName(child.tag)}`,
      );
    }
  }
  const child = (tag: number): Tlv => {
    const field = found.get(tag)?.[0];
    if (!field) throw malformedAssertion(`${where} lacks ${tagName(tag)}`);
    return field;
  };
  return {
    child,
    one: (tag) => child(tag).value,
    all: (tag) => found.get(tag) ?? [],
    has: (tag) => found.has(tag),
  };
};

/** The single top-level TLV of an assertion, which must be `tag`. */
export const singleTopLevel = (items: Tlv[], tag: number): Tlv => {
  const [first, ...rest] = items;
  if (!first || first.tag !== tag || rest.length > 0)
    throw malformedAssertion(`the assertion must be exactly one ${tagName(tag)}`);
  return first;
};

/** Checks a field's length; `max` defaults to `min` (a fixed size). */
export const sized = (value: Buffer, tag: number, min: number, max = min): Buffer => {
  if (value.length < min || value.length > max) {
    const size = min === max ? `${min}` : `${min}..${max}`;
    throw malformedAssertion(`${tagName(tag)} must be ${size} bytes, it is ${value.length}`);
  }
  return value;
};

/** The AAID of TAG_AAID ("V#M", UAF Protocol §3.1.4), upper-cased: its hexadecimal digits are case-insensitive. */
export const aaidOf = (value: Buffer): string => {
  const text = value.toString('latin1');
  if (!/^[0-9A-Fa-f]{4}#[0-9A-Fa-f]{4}$/.test(text))
    throw malformedAssertion('TAG_AAID is not an AAID "VVVV#MMMM"');
  return text.toUpperCase();
};
