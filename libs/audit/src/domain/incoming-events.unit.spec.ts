import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from '@identity-store/messaging';
import { checkMessage, topicsWithPrefix } from './incoming-events';

const topics = topicsWithPrefix('identity-store');
const families = new Map(Object.entries(topics).map(([family, topic]) => [topic, family as keyof typeof topics]));
const userId = randomUUID();
const at = '2026-11-29T10:00:00.000Z';
const succeeded = { credentialId: 'c-1', authenticationId: randomUUID(), timeStep: 2, at };

const envelope = (overrides: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type: 'TotpAuthenticationSucceeded',
  version: 1,
  storeId: 'store-1',
  userId,
  streamId: `totp-user-${userId}`,
  streamVersion: 3,
  occurredAt: at,
  correlationId: 'c',
  data: succeeded,
  ...overrides,
});
const message = (value: unknown, overrides: Partial<IncomingMessage> = {}): IncomingMessage => ({
  topic: topics.totp,
  partition: 1,
  offset: '42',
  key: userId,
  value: typeof value === 'string' ? value : JSON.stringify(value),
  headers: {},
  ...overrides,
});
const reasonOf = (m: IncomingMessage) => {
  const checked = checkMessage(m, families);
  return checked.ok ? 'OK' : checked.reason;
};

describe('checkMessage (every consumed message is untrusted)', () => {
  it('accepts a valid event, with its origin; data is what the integration schema declares', () => {
    const checked = checkMessage(message(envelope({ data: { ...succeeded, extra: 'dropped' } })), families);
    expect(checked).toEqual({
      ok: true,
      received: expect.objectContaining({
        streamId: `totp-user-${userId}`,
        streamVersion: 3,
        known: true,
        origin: { topic: topics.totp, partition: 1, offset: '42', key: userId },
      }),
    });
    expect(checked.ok && checked.received.event.data).toEqual(succeeded);
  });

  it('names the reason of every refusal', () => {
    expect(reasonOf(message('not-json'))).toBe('NOT_JSON');
    expect(reasonOf(message('{"id":'))).toBe('NOT_JSON');
    expect(reasonOf(message('[]'))).toBe('INVALID_ENVELOPE');
    expect(reasonOf(message(envelope({ streamVersion: -1 })))).toBe('INVALID_ENVELOPE');
    expect(reasonOf(message(envelope({ data: { ...succeeded, credentialId: 7 } })))).toBe('INVALID_DATA');
    expect(reasonOf(message(envelope({ data: { ...succeeded, context: { note: 'a\u0000b' } } })))).toBe('INVALID_TEXT');
    expect(reasonOf(message(envelope({ data: { ...succeeded, context: { note: '\ud800' } } })))).toBe('INVALID_TEXT');
    expect(reasonOf(message(envelope(), { topic: topics.passcode }))).toBe('WRONG_TOPIC');
    expect(reasonOf(message(envelope({ streamId: `totp-user-${randomUUID()}` })))).toBe('INCONSISTENT_STREAM');
    expect(reasonOf(message(envelope({ streamId: `passcode-user-${userId}` })))).toBe('INCONSISTENT_STREAM');
    expect(reasonOf(message(envelope(), { key: randomUUID() }))).toBe('INCONSISTENT_STREAM');
    expect(reasonOf(message(envelope({ userId: undefined }), { key: 'store-1' }))).toBe('INCONSISTENT_STREAM');
  });

  it('does not quote the value in the reason (it may hold anything)', () => {
    const checked = checkMessage(message('secret-looking-garbage'), families);
    expect(checked.ok || checked.detail).not.toContain('secret');
  });

  it('checks the streams of the identity and passkey topics too', () => {
    const storeEvent = envelope({
      type: 'StoreDeleted',
      userId: undefined,
      storeId: 's-1',
      streamId: 'store-s-1',
      data: { storeId: 's-1', name: 'n', at },
    });
    expect(reasonOf(message(storeEvent, { topic: topics.identity, key: 's-1' }))).toBe('OK');
    expect(reasonOf(message({ ...storeEvent, streamId: 'store-s-2' }, { topic: topics.identity, key: 's-1' }))).toBe('INCONSISTENT_STREAM');
    const session = envelope({
      type: 'PasskeyAuthenticationSessionClosed',
      userId: undefined,
      streamId: 'passkey-session-x',
      data: { authenticationId: randomUUID(), at },
    });
    expect(reasonOf(message(session, { topic: topics.passkey, key: 'store-1' }))).toBe('OK');
    expect(reasonOf(message({ ...session, userId }, { topic: topics.passkey, key: userId }))).toBe('INCONSISTENT_STREAM');
  });

  it('lets unknown types (and unknown versions of known ones) through unchecked, marked unknown', () => {
    for (const unknown of [envelope({ type: 'TotpSomethingNew', data: { anything: 1 } }), envelope({ version: 2, data: {} })]) {
      const checked = checkMessage(message(unknown), families);
      expect(checked.ok && checked.received.known).toBe(false);
    }
  });
});
