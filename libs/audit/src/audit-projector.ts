import {
  type AuthenticationAudit,
  emptySummaryInfo,
  type RegistrationAudit,
  type SummaryInfo,
  type TopicKey,
} from '@identity-store/contracts';
import {
  CheckpointConflictError,
  type DocumentRef,
  documentKey,
  DocumentStore,
  inSqlTransaction,
  parkedEventStats,
  type PrismaClient,
  readDocuments,
  readStreamState,
  sequenceStreamEvents,
  sqlOf,
  writeDocuments,
  writeStreamState,
} from '@identity-store/event-store';
import type { Logger } from '@identity-store/http-kit';
import type { IncomingMessage, MessageTransport, OutgoingMessage, Subscription } from '@identity-store/messaging';
import { applyToSummary, authenticationAuditOf, registrationAuditOf } from '@identity-store/projections';
import type { ProjectedSummary, StreamPosition } from '@identity-store/service-clients';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ProjectionProgress } from './data/consistency';
import { SummaryCache } from './data/summary-cache';
import {
  checkMessage,
  type DeadLetterReason,
  deadLetterTopic,
  type MessageOrigin,
  type ReceivedEvent,
  topicsWithPrefix,
} from './domain/incoming-events';
import { newUserSummary, type UserSummary } from './domain/user-summary';

export const SUMMARIES = 'summaries';
export const AUTHENTICATIONS = 'authentications';
/** Registration audits of credentials, by credential id (passkeys). */
export const REGISTRATIONS = 'registrations';
const META = 'audit-meta';
export const AUDIT_CONSUMER = 'audit-projector';
/** The topics' common prefix: `identity-store.identity`, …, and the dead-letter topic `identity-store.dlq`. */
export const DEFAULT_TOPIC_PREFIX = 'identity-store';
export const AUDIT_TOPICS = Object.values(topicsWithPrefix(DEFAULT_TOPIC_PREFIX));

export interface AuditProjectorOptions {
  metrics?: Registry;
  /** Kafka consumer group of this deployment's projector (unique per deployment sharing a broker). */
  consumerGroup?: string;
  /**
   * Where a consumer group without offsets starts: the beginning (default: a new deployment sees
   * all history) or only what is published from now on (tests on a broker shared with others).
   * From now on, a stream first seen at version n starts there (its earlier versions never come).
   */
  fromBeginning?: boolean;
  /** Prefix of the topics consumed and of the dead-letter topic (tests: topics of their own). */
  topicPrefix?: string;
  /** Readiness fails while an event has waited longer than this for an earlier version. Default 120 000 ms. */
  parkedAlertMs?: number;
  /**
   * Serve summaries from memory, written through by this projector (see SummaryCache): only when it
   * is the one projector of the deployment (the embedded default; one audit instance). Default false.
   */
  cacheSummaries?: boolean;
}

type DeadLetter = { reason: DeadLetterReason; detail: string; origin: MessageOrigin; value: string; headers: Record<string, string> };

/** The database refused the data itself (SQLSTATE class 22, data exception; 54, program limit exceeded). */
const isDataError = (error: unknown) => /^(22|54)/.test(String((error as { code?: unknown })?.code ?? ''));

/**
 * Projects the credential topics into summaryInfo and the authentication and registration audits.
 *
 * Every message is untrusted input: one that is not JSON, not the envelope, fails its type's
 * integration schema or is inconsistent goes to the dead-letter topic (`<prefix>.dlq`) with the
 * reason and its origin in headers, and the partition moves on. Per stream, events are applied in
 * version order: a version at or below the applied one is skipped, a later one (a gap) is parked
 * and applied once the versions before it arrive. Audit records are immutable.
 *
 * Each batch is one transaction of a few set-based statements, whatever its size: read the
 * checkpoints, parked events and the documents the batch touches, fold in memory, write
 * checkpoints, parked events, summaries and audits — so the projection is exactly-once in effect.
 */
export class AuditProjector {
  readonly documents: DocumentStore;
  readonly progress: ProjectionProgress;
  private readonly cache?: SummaryCache;
  private subscription?: Subscription;
  /** Append → projected lag (event occurredAt to read-model commit). */
  readonly lag: Histogram;
  private readonly outcomes: Counter<'outcome'>;
  private readonly deadLetters: Counter<'reason'>;
  readonly topics: string[];
  readonly deadLetterTopic: string;
  private readonly topicFamilies: Map<string, TopicKey>;
  private adoptUnknownStreams = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly transport: MessageTransport,
    private readonly logger: Logger,
    private readonly options: AuditProjectorOptions = {},
  ) {
    const { metrics } = options;
    const registers = metrics ? [metrics] : [];
    const byFamily = topicsWithPrefix(options.topicPrefix ?? DEFAULT_TOPIC_PREFIX);
    this.topics = Object.values(byFamily);
    this.topicFamilies = new Map(Object.entries(byFamily).map(([family, topic]) => [topic, family as TopicKey]));
    this.deadLetterTopic = deadLetterTopic(options.topicPrefix ?? DEFAULT_TOPIC_PREFIX);
    this.documents = new DocumentStore(prisma);
    this.progress = new ProjectionProgress(prisma, AUDIT_CONSUMER);
    if (options.cacheSummaries) this.cache = new SummaryCache();
    this.lag = new Histogram({
      name: 'audit_projection_lag_seconds',
      help: 'Time from an event being appended to its projection into summaryInfo',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers,
    });
    this.outcomes = new Counter({
      name: 'audit_projection_events_total',
      help: 'Consumed events by outcome: applied, duplicate (skipped), parked (ahead of a gap), ignored (unknown type), dead_lettered',
      labelNames: ['outcome'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'audit_projection_dead_letters_total',
      help: 'Messages sent to the dead-letter topic, by reason',
      labelNames: ['reason'],
      registers,
    });
    const parked = async () => parkedEventStats(sqlOf(prisma), AUDIT_CONSUMER);
    new Gauge({
      name: 'audit_projection_parked_events',
      help: 'Events waiting for an earlier version of their stream',
      registers,
      async collect() {
        this.set((await parked()).count);
      },
    });
    new Gauge({
      name: 'audit_projection_parked_oldest_seconds',
      help: 'How long the oldest parked event has waited (0: none)',
      registers,
      async collect() {
        const { oldest } = await parked();
        this.set(oldest ? (Date.now() - oldest.getTime()) / 1000 : 0);
      },
    });
  }

  async start(fromBeginning = this.options.fromBeginning ?? true): Promise<void> {
    await this.transport.ensureTopics([...this.topics, this.deadLetterTopic]);
    const meta = await this.documents.get<{ groupId: string }>(META, 'consumer');
    const groupId = meta?.groupId ?? this.options.consumerGroup ?? AUDIT_CONSUMER;
    this.adoptUnknownStreams = !fromBeginning;
    this.subscription = await this.transport.subscribe({
      groupId,
      topics: this.topics,
      fromBeginning,
      handle: (messages) => this.project(messages),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /**
   * Readiness: throws while the projection cannot progress — its consumer crashed for good, or an
   * event has waited too long for an earlier version of its stream (a lost or dead-lettered one).
   */
  async checkHealth(): Promise<void> {
    const status = this.subscription?.status() ?? { state: 'stopped' as const };
    if (status.state !== 'running')
      throw new Error(`consumer ${status.state}${status.error ? `: ${status.error}` : ''}`);
    const { count, oldest } = await parkedEventStats(sqlOf(this.prisma), AUDIT_CONSUMER);
    const alertMs = this.options.parkedAlertMs ?? 120_000;
    if (oldest && Date.now() - oldest.getTime() > alertMs)
      throw new Error(`${count} event(s) waiting longer than ${alertMs / 1000} s for an earlier version of their stream`);
  }

  /**
   * Rebuilds the read models from the topics: clears them, their checkpoints and parked events,
   * then consumes every topic from the start under a new consumer group.
   */
  async rebuild(): Promise<void> {
    await this.stop();
    const groupId = `${this.options.consumerGroup ?? AUDIT_CONSUMER}-${Date.now()}`;
    await this.prisma.$transaction(async (tx) => {
      await tx.document.deleteMany({
        where: { collection: { in: [SUMMARIES, AUTHENTICATIONS, REGISTRATIONS] } },
      });
      await tx.streamCheckpoint.deleteMany({ where: { consumer: AUDIT_CONSUMER } });
      await tx.parkedEvent.deleteMany({ where: { consumer: AUDIT_CONSUMER } });
      await this.documents.put(tx, META, 'consumer', { groupId });
    });
    this.progress.reset();
    this.cache?.clear();
    await this.start(true);
  }

  async project(messages: IncomingMessage[]): Promise<void> {
    const received: ReceivedEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const message of messages) {
      const checked = checkMessage(message, this.topicFamilies);
      if (checked.ok) received.push(checked.received);
      else
        deadLetters.push({
          reason: checked.reason,
          detail: checked.detail,
          origin: { topic: message.topic, partition: message.partition, offset: message.offset, key: message.key },
          value: message.value,
          headers: message.headers ?? {},
        });
    }
    let applied: StreamPosition[] = [];
    if (received.length) {
      try {
        const projected = await this.projectEvents(received);
        deadLetters.push(...projected.rejected);
        applied = projected.applied;
      } catch (error) {
        if (!isDataError(error)) throw error;
        if (messages.length > 1) {
          // One of them holds something the database refuses: find it, one message at a time.
          await this.publishDeadLetters(deadLetters);
          for (const message of messages) if (checkMessage(message, this.topicFamilies).ok) await this.project([message]);
          return;
        }
        deadLetters.push({
          reason: 'PROJECTION_FAILED',
          detail: `the database refused the event (SQLSTATE ${(error as { code: string }).code})`,
          origin: received[0]!.origin,
          value: messages[0]!.value,
          headers: messages[0]!.headers ?? {},
        });
      }
    }
    await this.publishDeadLetters(deadLetters);
    this.progress.markApplied(applied);
  }

  /** Projects checked events in one transaction: the stream positions it reached, and the events refused on their turn. */
  private async projectEvents(received: ReceivedEvent[]): Promise<{ applied: StreamPosition[]; rejected: DeadLetter[] }> {
    const rejected: DeadLetter[] = [];
    const batch = await inSqlTransaction(this.prisma, async (sql) => {
      const state = await readStreamState<ReceivedEvent, unknown>(
        sql,
        AUDIT_CONSUMER,
        [...new Set(received.map((r) => r.streamId))],
        documentsOf(received),
      );
      // Parked events about to be applied may name audits the batch did not (their users are the batch's).
      const missing = documentsOf(state.parked.map((p) => p.event)).filter(
        (ref) => !state.documents.has(documentKey(ref.collection, ref.id)),
      );
      for (const [key, data] of await readDocuments(sql, missing)) state.documents.set(key, data);

      // null: the user was deleted in this batch; later events of that user change nothing.
      const summaries = new Map<string, UserSummary | null>();
      const audits: AuthenticationAudit[] = [];
      const registrations: RegistrationAudit[] = [];
      const recorded = new Set([...state.documents.keys()]);
      const summaryOf = (userId: string, storeId: string) =>
        summaries.has(userId)
          ? summaries.get(userId)!
          : ((state.documents.get(documentKey(SUMMARIES, userId)) as UserSummary | undefined) ?? newUserSummary(userId, storeId));
      const refuse = (item: ReceivedEvent, reason: DeadLetterReason, detail: string) => {
        rejected.push({ reason, detail, origin: item.origin, value: JSON.stringify(item.event), headers: {} });
        return false;
      };

      const apply = (item: ReceivedEvent): boolean => {
        const { event } = item;
        if (!item.known || !event.userId) return true; // moves the stream on, changes no summary
        const summary = summaryOf(event.userId, event.storeId);
        if (summary === null) return true;
        if (summary.storeId !== event.storeId)
          return refuse(item, 'STORE_MISMATCH', "the user's summary belongs to another store");
        if (event.type === 'UserDeleted') {
          summaries.set(event.userId, null);
          return true;
        }
        const audit = authenticationAuditOf(event);
        const registration = registrationAuditOf(event);
        if (audit && recorded.has(documentKey(AUTHENTICATIONS, audit.id)))
          return refuse(item, 'DUPLICATE_AUDIT_ID', 'an authentication audit with this authenticationId exists');
        if (registration && recorded.has(documentKey(REGISTRATIONS, registration.id)))
          return refuse(item, 'DUPLICATE_AUDIT_ID', 'a registration audit with this id exists');
        summaries.set(event.userId, { ...summary, summaryInfo: applyToSummary(summary.summaryInfo, event) });
        if (audit) {
          audits.push(audit);
          recorded.add(documentKey(AUTHENTICATIONS, audit.id));
        }
        if (registration) {
          registrations.push(registration);
          recorded.add(documentKey(REGISTRATIONS, registration.id));
        }
        return true;
      };

      const sequenced = sequenceStreamEvents(
        received,
        { applied: state.applied, parked: state.parked.map((p) => p.event) },
        apply,
        { adoptUnknownStreams: this.adoptUnknownStreams },
      );
      await writeStreamState(sql, AUDIT_CONSUMER, sequenced);
      const kept = [...summaries.values()].filter((summary): summary is UserSummary => summary !== null);
      const deleted = [...summaries].filter(([, summary]) => summary === null).map(([userId]) => userId);
      await writeDocuments(sql, {
        put: kept.map((summary) => ({ collection: SUMMARIES, id: summary.userId, data: summary, partition: summary.storeId })),
        // Immutable: a record that exists stays as it is (also against a concurrent instance).
        create: [
          ...audits.map((audit) => ({ collection: AUTHENTICATIONS, id: audit.id, data: audit, partition: audit.userId })),
          ...registrations.map((audit) => ({ collection: REGISTRATIONS, id: audit.id, data: audit, partition: audit.userId })),
        ],
        remove: deleted.map((userId) => ({ collection: SUMMARIES, id: userId })),
      });
      return { ...sequenced, kept, deleted };
    }).catch((error: unknown) => {
      if (error instanceof CheckpointConflictError) this.logger.warn({ err: error }, 'projection batch conflicted; retrying');
      throw error;
    });

    if (this.cache) {
      const userOfStream = new Map(received.map((r) => [r.streamId, r.event.userId]));
      this.cache.committed(
        batch.kept,
        batch.deleted,
        batch.advanced.flatMap(({ streamId, to }) => {
          const userId = userOfStream.get(streamId);
          return userId ? [{ userId, streamId, streamVersion: to }] : [];
        }),
      );
    }
    const now = Date.now();
    for (const item of batch.applied) {
      this.lag.observe((now - Date.parse(item.event.occurredAt)) / 1000);
      this.outcomes.inc({ outcome: item.known ? 'applied' : 'ignored' });
    }
    if (batch.duplicates.length) this.outcomes.inc({ outcome: 'duplicate' }, batch.duplicates.length);
    if (batch.parked.length) this.outcomes.inc({ outcome: 'parked' }, batch.parked.length);
    if (batch.parked.length)
      this.logger.warn(
        { parked: batch.parked.map((p) => ({ streamId: p.streamId, streamVersion: p.streamVersion, ...p.origin })) },
        'events parked until the versions before them arrive',
      );
    return { applied: batch.advanced.map((a) => ({ streamId: a.streamId, streamVersion: a.to })), rejected };
  }

  /** Publishes refused messages to the dead-letter topic (before their offsets are committed). */
  private async publishDeadLetters(deadLetters: DeadLetter[]): Promise<void> {
    if (!deadLetters.length) return;
    const at = new Date().toISOString();
    const messages: OutgoingMessage[] = deadLetters.map(({ reason, detail, origin, value, headers }) => ({
      topic: this.deadLetterTopic,
      key: origin.key,
      value,
      headers: {
        ...headers,
        'dlq-reason': reason,
        'dlq-detail': detail,
        'dlq-original-topic': origin.topic,
        'dlq-original-partition': String(origin.partition),
        'dlq-original-offset': origin.offset,
        'dlq-original-key': origin.key,
        'dlq-consumer': AUDIT_CONSUMER,
        'dlq-at': at,
      },
    }));
    await this.transport.publish(messages);
    for (const { reason, detail, origin } of deadLetters) {
      this.deadLetters.inc({ reason });
      this.outcomes.inc({ outcome: 'dead_lettered' });
      // The reason and where the message is; never its value (untrusted, possibly personal data).
      this.logger.warn({ reason, detail, ...origin, deadLetterTopic: this.deadLetterTopic }, 'message dead-lettered');
    }
  }

  async summaryOf(userId: string): Promise<SummaryInfo> {
    const load = async () => ({
      summaryInfo: (await this.documents.get<UserSummary>(SUMMARIES, userId))?.summaryInfo ?? emptySummaryInfo(),
      streamVersion: 0,
    });
    return (this.cache ? await this.cache.readThrough(userId, undefined, load) : await load()).summaryInfo;
  }

  /**
   * The user's summary and how far into `streamId` it is, in one statement (one snapshot: both are
   * written in the same transaction, so the version is exactly what the summary includes).
   */
  async projectedSummaryOf(userId: string, streamId: string): Promise<ProjectedSummary> {
    const load = () => this.readProjectedSummary(userId, streamId);
    return this.cache ? this.cache.readThrough(userId, streamId, load) : load();
  }

  private async readProjectedSummary(userId: string, streamId: string): Promise<ProjectedSummary> {
    const { rows } = await sqlOf(this.prisma).query<{ data: UserSummary | null; stream_version: number | null }>(
      `SELECT (SELECT data FROM documents WHERE collection = $1 AND id = $2) AS data,
              (SELECT stream_version FROM stream_checkpoints WHERE consumer = $3 AND stream_id = $4) AS stream_version`,
      [SUMMARIES, userId, AUDIT_CONSUMER, streamId],
    );
    const row = rows[0];
    return { summaryInfo: row?.data?.summaryInfo ?? emptySummaryInfo(), streamVersion: row?.stream_version ?? 0 };
  }
}

/** The documents a batch of events may change: the users' summaries and the audits they record. */
const documentsOf = (received: ReceivedEvent[]): DocumentRef[] => {
  const refs = new Map<string, DocumentRef>();
  const add = (collection: string, id: string) => refs.set(documentKey(collection, id), { collection, id });
  for (const { event, known } of received) {
    if (!known || !event.userId) continue;
    add(SUMMARIES, event.userId);
    const audit = authenticationAuditOf(event);
    if (audit) add(AUTHENTICATIONS, audit.id);
    const registration = registrationAuditOf(event);
    if (registration) add(REGISTRATIONS, registration.id);
  }
  return [...refs.values()];
};
