import {
  type IntegrationEvent,
  integrationEventEnvelope,
  publishedEvents,
  publishedStreams,
  type TopicKey,
} from '@identity-store/contracts';
import type { IncomingMessage } from '@identity-store/messaging';
import type { z } from 'zod';

/**
 * Why a consumed message goes to the dead-letter topic instead of the projection:
 * - NOT_JSON: the value does not parse as JSON;
 * - INVALID_TEXT: a string holds NUL or an unpaired surrogate (PostgreSQL cannot store either);
 * - INVALID_ENVELOPE: not the integration envelope (README "Events for consumers");
 * - WRONG_TOPIC: a known event type on another family's topic;
 * - INVALID_DATA: a known event type whose data fails that type's integration schema;
 * - INCONSISTENT_STREAM: the stream id, envelope ids and key disagree (e.g. `totp-user-A` with
 *   userId B, or a key that is not the user's), or the topic carries no such stream;
 * - STORE_MISMATCH: an event of a user whose summary belongs to another store;
 * - DUPLICATE_AUDIT_ID: an authentication or registration audit id that is already recorded
 *   (audit records are immutable);
 * - PROJECTION_FAILED: the database refused the event's data (e.g. a value too large).
 */
export type DeadLetterReason =
  | 'NOT_JSON'
  | 'INVALID_TEXT'
  | 'INVALID_ENVELOPE'
  | 'WRONG_TOPIC'
  | 'INVALID_DATA'
  | 'INCONSISTENT_STREAM'
  | 'STORE_MISMATCH'
  | 'DUPLICATE_AUDIT_ID'
  | 'PROJECTION_FAILED';

/** Where a consumed message came from (the dead-letter headers name it). */
export interface MessageOrigin {
  topic: string;
  partition: number;
  offset: string;
  key: string;
}

/** A consumed event that passed the checks, with where it came from. */
export interface ReceivedEvent {
  streamId: string;
  streamVersion: number;
  event: IntegrationEvent;
  /** false: a type (or type version) this consumer does not know; it moves the stream on and changes nothing. */
  known: boolean;
  origin: MessageOrigin;
}

export type CheckedMessage =
  | { ok: true; received: ReceivedEvent }
  | { ok: false; reason: DeadLetterReason; detail: string };

/** The topic names of one deployment: `<prefix>.identity`, …, and the dead-letter topic `<prefix>.dlq`. */
export const topicsWithPrefix = (prefix: string) => ({
  identity: `${prefix}.identity`,
  totp: `${prefix}.totp`,
  passcode: `${prefix}.passcode`,
  passkey: `${prefix}.passkey`,
  appkey: `${prefix}.appkey`,
  biometric: `${prefix}.biometric`,
});
export const deadLetterTopic = (prefix: string) => `${prefix}.dlq`;

const MAX_DETAIL = 500;

const issuesText = (error: z.ZodError, under = '') =>
  error.issues
    .map((issue) => `${[under, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${issue.message}`)
    .join('; ')
    .slice(0, MAX_DETAIL);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (or key) PostgreSQL's jsonb cannot hold, if any. */
const unstorableText = (value: unknown, path: string, depth = 0): string | undefined => {
  const bad = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);
  if (typeof value === 'string') return bad(value) ? path || '(root)' : undefined;
  if (depth > 64 || value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (bad(key)) return at;
    const found = unstorableText(child, at, depth + 1);
    if (found) return found;
  }
  return undefined;
};

const familyOfType = new Map<string, TopicKey>(
  (Object.entries(publishedEvents) as Array<[TopicKey, Record<string, unknown>]>).flatMap(([family, events]) =>
    Object.keys(events).map((type) => [type, family] as const),
  ),
);

/**
 * Checks a consumed message as untrusted input (anyone who can write to a topic can send
 * anything): JSON, the envelope, for a known type its topic and its data's integration schema,
 * and that stream id, user, store and key agree. Pure.
 */
export const checkMessage = (
  message: IncomingMessage,
  topicFamilies: ReadonlyMap<string, TopicKey>,
): CheckedMessage => {
  const origin: MessageOrigin = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key,
  };
  let json: unknown;
  try {
    json = JSON.parse(message.value);
  } catch {
    // Not the parser's message: it quotes the input.
    return { ok: false, reason: 'NOT_JSON', detail: 'the value is not JSON' };
  }
  const unstorable = unstorableText(json, '');
  if (unstorable) return { ok: false, reason: 'INVALID_TEXT', detail: `${unstorable}: NUL or unpaired surrogate` };
  const envelope = integrationEventEnvelope.safeParse(json);
  if (!envelope.success) return { ok: false, reason: 'INVALID_ENVELOPE', detail: issuesText(envelope.error) };
  const event = envelope.data;

  const family = topicFamilies.get(message.topic);
  const typeFamily = familyOfType.get(event.type);
  const definition = typeFamily ? publishedEvents[typeFamily][event.type] : undefined;
  const known = definition !== undefined && definition.version === event.version;
  if (typeFamily && family && typeFamily !== family)
    return { ok: false, reason: 'WRONG_TOPIC', detail: `${event.type} belongs on the ${typeFamily} topic` };

  const inconsistent = (detail: string): CheckedMessage => ({ ok: false, reason: 'INCONSISTENT_STREAM', detail });
  if (message.key !== (event.userId ?? event.storeId))
    return inconsistent('the key is not the envelope userId (storeId for events without a user)');
  const streams = family ? publishedStreams[family] : [];
  if (streams.length > 0) {
    const kind = streams.find((s) => event.streamId.startsWith(s.prefix));
    if (!kind) return inconsistent(`the ${family} topic carries no stream like this streamId`);
    const id = event.streamId.slice(kind.prefix.length);
    if (kind.id === 'user' && event.userId !== id) return inconsistent('streamId names another user than userId');
    if (kind.id === 'store' && (event.storeId !== id || event.userId !== undefined))
      return inconsistent('streamId names another store than storeId, or the event names a user');
    if (kind.id === 'session' && event.userId !== undefined)
      return inconsistent('a usernameless session stream names no user');
  }

  if (known) {
    const data = definition.schema.safeParse(event.data);
    if (!data.success) return { ok: false, reason: 'INVALID_DATA', detail: issuesText(data.error, 'data') };
    event.data = data.data as Record<string, unknown>;
  }
  return { ok: true, received: { streamId: event.streamId, streamVersion: event.streamVersion, event, known, origin } };
};
