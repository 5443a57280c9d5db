/**
 * What the fault-injection run checks after every fault, on the databases themselves:
 * - streams: every event an answer acknowledged (a 2xx, or a 400 FAILURE naming an
 *   authenticationId) is in its stream exactly once, and no event is in a stream twice;
 * - projection: every authentication event has its audit record (same user, same result), every
 *   completed passkey registration its registration audit, every stream's audit checkpoint is at
 *   its last published version, and each user's summaryInfo lists exactly the credentials the
 *   user's streams hold (ids, statuses, last use), so a lost, skipped or twice-applied event shows.
 * `check` is pure: it compares what the clients were answered with a snapshot of the databases.
 */
import type { SummaryInfo } from '@identity-store/contracts';

export type Outcome =
  | { kind: 'answer'; status: number; retryAfter: boolean }
  | { kind: 'connection-error' }
  | { kind: 'timeout' };

export interface RequestRecord {
  phase: string;
  op: string;
  outcome: Outcome;
}

export type EventService = 'identity' | 'totp' | 'passcode' | 'passkey';
export const EVENT_SERVICES: EventService[] = ['identity', 'totp', 'passcode', 'passkey'];

/** "An event of `type` whose `data[field]` is `value` is in the service's streams exactly once." */
export interface Expectation {
  phase: string;
  service: EventService;
  type: string;
  field: string;
  value: string;
  /** The answer that acknowledged it, e.g. `200 authenticateTotp(valid)`. */
  because: string;
}

export interface StoredEvent {
  /** Append order within the service's database. */
  position: number;
  streamId: string;
  streamVersion: number;
  type: string;
  data: Record<string, unknown>;
  /** Whether the event has an outbox row (is published to consumers). */
  integration: boolean;
}

export interface Snapshot {
  events: Record<EventService, StoredEvent[]>;
  /** Outbox rows not published yet, over all services. */
  unpublished: number;
  /** The audit projector's checkpoint per stream. */
  checkpoints: Map<string, number>;
  /** Authentication audit records by id. */
  authentications: Map<string, { userId: string; result: string }>;
  /** Registration audit records by id (passkey id). */
  registrations: Set<string>;
  /** summaryInfo by user id. */
  summaries: Map<string, SummaryInfo>;
}

/** The field that names each event kind the load causes (unique per event when exactly once holds). */
export const EVENT_KEYS: Record<string, { service: EventService; field: string }> = {
  UserCreated: { service: 'identity', field: 'userId' },
  TotpRegistrationStarted: { service: 'totp', field: 'credentialId' },
  TotpRegistrationCompleted: { service: 'totp', field: 'credentialId' },
  TotpAuthenticationSucceeded: { service: 'totp', field: 'authenticationId' },
  TotpAuthenticationFailed: { service: 'totp', field: 'authenticationId' },
  PasscodeRegistrationStarted: { service: 'passcode', field: 'sessionId' },
  PasscodeRegistrationCompleted: { service: 'passcode', field: 'sessionId' },
  PasscodeAuthenticationStarted: { service: 'passcode', field: 'sessionId' },
  PasscodeAuthenticationSucceeded: { service: 'passcode', field: 'authenticationId' },
  PasscodeAuthenticationFailed: { service: 'passcode', field: 'authenticationId' },
  PasskeyRegistrationStarted: { service: 'passkey', field: 'sessionId' },
  PasskeyRegistrationCompleted: { service: 'passkey', field: 'sessionId' },
  PasskeyAuthenticationStarted: { service: 'passkey', field: 'sessionId' },
  PasskeyAuthenticationSucceeded: { service: 'passkey', field: 'authenticationId' },
  PasskeyAuthenticationFailed: { service: 'passkey', field: 'authenticationId' },
};

const AUTHENTICATION_RESULTS: Record<string, 'SUCCESS' | 'FAILURE'> = {
  TotpAuthenticationSucceeded: 'SUCCESS',
  TotpAuthenticationFailed: 'FAILURE',
  PasscodeAuthenticationSucceeded: 'SUCCESS',
  PasscodeAuthenticationFailed: 'FAILURE',
  PasskeyAuthenticationSucceeded: 'SUCCESS',
  PasskeyAuthenticationFailed: 'FAILURE',
};

/** Where an issue comes from: an answer of a phase, or an event (by its append position). */
export type Origin = { phase: string } | { service: EventService; position: number };

export type IssueKind =
  | 'lost' // an acknowledged event is not in its stream
  | 'duplicated' // an event is in its stream more than once
  | 'not-projected' // an event has no audit record / registration audit, or its stream's checkpoint is behind
  | 'wrong-projection' // an audit record that differs from its event, or one without an event
  | 'summary-mismatch'; // summaryInfo differs from the credentials in the user's streams

export interface Issue {
  kind: IssueKind;
  origin: Origin;
  detail: string;
}

export interface CheckResult {
  issues: Issue[];
  /** Acknowledged events checked. */
  acknowledged: number;
  /** Events of the kinds the load causes that no answer acknowledged (e.g. committed, then the answer was a 5xx or never came). */
  unanswered: number;
  /** Published events whose stream's checkpoint is not yet at them (0 once drained). */
  pending: number;
}

/** The user id of a credential stream (`totp-user-<id>`, …), undefined for other streams. */
export const userOfStream = (streamId: string): string | undefined =>
  /^(?:totp|passcode|passkey)-user-(.+)$/.exec(streamId)?.[1];

interface ExpectedItem {
  id: string;
  status: string;
  lastUsedDtm: string | null;
}

type Family = 'totps' | 'passcodes' | 'passkeys';

/**
 * The credentials a user's streams hold, folded independently of the audit service's code: what
 * summaryInfo must list (id, status, time of last successful use).
 */
const credentialsOf = (events: StoredEvent[]): Record<Family, Map<string, ExpectedItem>> => {
  const held: Record<Family, Map<string, ExpectedItem>> = {
    totps: new Map(),
    passcodes: new Map(),
    passkeys: new Map(),
  };
  const update = (family: Family, id: unknown, change: Partial<ExpectedItem>) => {
    const item = held[family].get(String(id));
    if (item) held[family].set(item.id, { ...item, ...change });
  };
  for (const { type, data } of events) {
    const at = (data.at as string | undefined) ?? null;
    switch (type) {
      case 'TotpRegistrationStarted':
        held.totps.set(String(data.credentialId), {
          id: String(data.credentialId),
          status: 'PENDING',
          lastUsedDtm: null,
        });
        break;
      case 'TotpRegistrationCompleted':
        update('totps', data.credentialId, { status: 'ACTIVE' });
        break;
      case 'TotpAuthenticationSucceeded':
        update('totps', data.credentialId, { status: 'ACTIVE', lastUsedDtm: at });
        break;
      case 'TotpLocked':
        update('totps', data.credentialId, { status: 'LOCKED' });
        break;
      case 'TotpStatusChanged':
        update('totps', data.credentialId, { status: String(data.status) });
        break;
      case 'TotpDeregistered':
        held.totps.delete(String(data.credentialId));
        break;
      case 'PasscodeRegistrationCompleted':
        held.passcodes.set(String(data.passcodeId), {
          id: String(data.passcodeId),
          status: 'ACTIVE',
          lastUsedDtm: null,
        });
        break;
      case 'PasscodeAuthenticationSucceeded':
        update('passcodes', data.passcodeId, { status: 'ACTIVE', lastUsedDtm: at });
        break;
      case 'PasscodeLocked':
        update('passcodes', data.passcodeId, { status: 'LOCKED' });
        break;
      case 'PasscodeStatusChanged':
        update('passcodes', data.passcodeId, { status: String(data.status) });
        break;
      case 'PasscodeDeregistered':
        held.passcodes.delete(String(data.passcodeId));
        break;
      case 'PasskeyRegistrationCompleted':
        held.passkeys.set(String(data.passkeyId), {
          id: String(data.passkeyId),
          status: 'ACTIVE',
          lastUsedDtm: null,
        });
        break;
      case 'PasskeyAuthenticationSucceeded':
        update('passkeys', data.passkeyId, { lastUsedDtm: at });
        break;
      case 'PasskeyStatusChanged':
        update('passkeys', data.passkeyId, { status: String(data.status) });
        break;
      case 'PasskeyDeregistered':
        held.passkeys.delete(String(data.passkeyId));
        break;
    }
  }
  return held;
};

const describeItems = (items: ExpectedItem[]) =>
  JSON.stringify(
    [...items].sort((a, b) => a.id.localeCompare(b.id)).map((i) => [i.id, i.status, i.lastUsedDtm]),
  );

export const check = (expectations: Expectation[], snapshot: Snapshot): CheckResult => {
  const issues: Issue[] = [];

  // ---- streams: acknowledged events exactly once, no event twice
  const byKey = new Map<string, StoredEvent[]>();
  const keyOf = (service: EventService, type: string, value: string) =>
    `${service}\u0000${type}\u0000${value}`;
  for (const service of EVENT_SERVICES)
    for (const event of snapshot.events[service]) {
      const key = EVENT_KEYS[event.type];
      if (!key || key.service !== service) continue;
      const value = event.data[key.field];
      if (typeof value !== 'string') continue;
      const k = keyOf(service, event.type, value);
      byKey.set(k, [...(byKey.get(k) ?? []), event]);
    }
  const acknowledged = new Set<string>();
  for (const expectation of expectations) {
    const k = keyOf(expectation.service, expectation.type, expectation.value);
    acknowledged.add(k);
    if (!byKey.has(k))
      issues.push({
        kind: 'lost',
        origin: { phase: expectation.phase },
        detail: `${expectation.because}: no ${expectation.type} with ${expectation.field} ${expectation.value} in the ${expectation.service} streams`,
      });
  }
  let unanswered = 0;
  for (const [k, events] of byKey) {
    if (!acknowledged.has(k)) unanswered++;
    const [service, type, value] = k.split('\u0000') as [EventService, string, string];
    for (const extra of events.slice(1))
      issues.push({
        kind: 'duplicated',
        origin: { service, position: extra.position },
        detail: `${type} ${value} is in the ${service} streams ${events.length} times (${events.map((e) => `${e.streamId}@${e.streamVersion}`).join(', ')})`,
      });
  }

  // ---- projection: checkpoints
  let pending = 0;
  for (const service of EVENT_SERVICES) {
    const last = new Map<string, StoredEvent>();
    for (const event of snapshot.events[service])
      if (event.integration && event.streamVersion > (last.get(event.streamId)?.streamVersion ?? 0))
        last.set(event.streamId, event);
    for (const [streamId, event] of last) {
      const applied = snapshot.checkpoints.get(streamId) ?? 0;
      if (applied < event.streamVersion) {
        const behind = snapshot.events[service].filter(
          (e) => e.streamId === streamId && e.integration && e.streamVersion > applied,
        );
        pending += behind.length;
        issues.push({
          kind: 'not-projected',
          origin: { service, position: behind[0]!.position },
          detail: `${streamId}: the audit projection is at version ${applied}, the stream's last published event is version ${event.streamVersion}`,
        });
      } else if (applied > event.streamVersion)
        issues.push({
          kind: 'wrong-projection',
          origin: { service, position: event.position },
          detail: `${streamId}: the audit projection claims version ${applied}, the stream's last published event is version ${event.streamVersion}`,
        });
    }
  }

  // ---- projection: audit records
  const sourced = new Set<string>();
  for (const service of EVENT_SERVICES)
    for (const event of snapshot.events[service]) {
      const result = AUTHENTICATION_RESULTS[event.type];
      const userId = userOfStream(event.streamId);
      if (result && userId) {
        const id = String(event.data.authenticationId);
        sourced.add(id);
        const audit = snapshot.authentications.get(id);
        if (!audit)
          issues.push({
            kind: 'not-projected',
            origin: { service, position: event.position },
            detail: `${event.type} ${id} (${event.streamId}@${event.streamVersion}) has no authentication audit record`,
          });
        else if (audit.userId !== userId || audit.result !== result)
          issues.push({
            kind: 'wrong-projection',
            origin: { service, position: event.position },
            detail: `authentication audit ${id} says user ${audit.userId} ${audit.result}, the event says user ${userId} ${result}`,
          });
      }
      if (
        event.type === 'PasskeyRegistrationCompleted' &&
        !snapshot.registrations.has(String(event.data.passkeyId))
      )
        issues.push({
          kind: 'not-projected',
          origin: { service, position: event.position },
          detail: `PasskeyRegistrationCompleted of passkey ${String(event.data.passkeyId)} has no registration audit`,
        });
    }
  for (const id of snapshot.authentications.keys())
    if (!sourced.has(id))
      issues.push({
        kind: 'wrong-projection',
        origin: { phase: 'final' },
        detail: `authentication audit record ${id} has no authentication event`,
      });

  // ---- projection: summaries against the users' credential streams
  const streamsOfUser = new Map<string, StoredEvent[]>();
  for (const service of ['totp', 'passcode', 'passkey'] as const)
    for (const event of snapshot.events[service]) {
      const userId = userOfStream(event.streamId);
      if (userId) streamsOfUser.set(userId, [...(streamsOfUser.get(userId) ?? []), event]);
    }
  const deleted = new Set(
    snapshot.events.identity.filter((e) => e.type === 'UserDeleted').map((e) => String(e.data.userId)),
  );
  for (const created of snapshot.events.identity) {
    if (created.type !== 'UserCreated') continue;
    const userId = String(created.data.userId);
    if (deleted.has(userId)) continue;
    const events = streamsOfUser.get(userId) ?? [];
    const latest = events.reduce((a, b) => (b.position > a.position ? b : a), created);
    const origin: Origin =
      latest === created
        ? { service: 'identity', position: created.position }
        : { service: serviceOfStream(latest.streamId), position: latest.position };
    const summary = snapshot.summaries.get(userId);
    if (!summary) {
      issues.push({ kind: 'summary-mismatch', origin, detail: `user ${userId} has no summary` });
      continue;
    }
    const expected = credentialsOf([...events].sort((a, b) => a.position - b.position));
    for (const family of ['totps', 'passcodes', 'passkeys'] as const) {
      const group = summary[family];
      const want = describeItems([...expected[family].values()]);
      const got = describeItems(
        group.items.map((i) => ({ id: i.id, status: i.status, lastUsedDtm: i.lastUsedDtm ?? null })),
      );
      if (want !== got || group.count !== expected[family].size)
        issues.push({
          kind: 'summary-mismatch',
          origin,
          detail: `user ${userId} summaryInfo.${family}: count ${group.count}, items ${got}; the streams hold ${expected[family].size}: ${want}`,
        });
    }
  }

  return { issues, acknowledged: expectations.length, unanswered, pending };
};

const serviceOfStream = (streamId: string): EventService =>
  streamId.startsWith('totp-') ? 'totp' : streamId.startsWith('passcode-') ? 'passcode' : 'passkey';

/** Whether the pipeline has caught up: nothing left in any outbox, every stream's checkpoint at its last published event. */
export const drained = (result: CheckResult, snapshot: Snapshot) =>
  snapshot.unpublished === 0 && result.pending === 0;
