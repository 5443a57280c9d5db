import {
  type AuthenticationAudit,
  emptySummaryInfo,
  type RegistrationAudit,
  type IntegrationEvent,
  integrationEventEnvelope,
  topics,
} from '@identity-store/contracts';
import {
  claimStreamVersionsAndRead,
  writeDocuments,
  DocumentStore,
  inSqlTransaction,
  type PrismaClient,
} from '@identity-store/event-store';
import type { Logger } from '@identity-store/http-kit';
import type { IncomingMessage, MessageTransport, Subscription } from '@identity-store/messaging';
import { Histogram, type Registry } from 'prom-client';
import { ProjectionProgress } from './data/consistency';
import {
  applyToSummary,
  authenticationAuditOf,
  newUserSummary,
  registrationAuditOf,
  type UserSummary,
} from './domain/summary-projection';

export const SUMMARIES = 'summaries';
export const AUTHENTICATIONS = 'authentications';
/** Registration audits of credentials, by credential id (passkeys). */
export const REGISTRATIONS = 'registrations';
const META = 'audit-meta';
export const AUDIT_CONSUMER = 'audit-projector';
export const AUDIT_TOPICS = [
  topics.identity,
  topics.totp,
  topics.passcode,
  topics.passkey,
  topics.appkey,
  topics.biometric,
];

export interface AuditProjectorOptions {
  metrics?: Registry;
  /** Kafka consumer group of this deployment's projector (unique per deployment sharing a broker). */
  consumerGroup?: string;
  /**
   * Where a consumer group without offsets starts: the beginning (default: a new deployment sees
   * all history) or only what is published from now on (tests on a broker shared with others).
   */
  fromBeginning?: boolean;
}

/**
 * Projects the credential topics into summaryInfo and the authentication and registration audits. Each batch is one
 * transaction of a few set-based statements, whatever its size: claim the stream checkpoints (a
 * redelivered or replayed event is filtered out), read the batch's summaries, fold the events in
 * memory, write summaries and audits — so the projection is idempotent and exactly-once in effect.
 */
export class AuditProjector {
  readonly documents: DocumentStore;
  readonly progress: ProjectionProgress;
  private subscription?: Subscription;
  /** Append → projected lag (event occurredAt to read-model commit). */
  readonly lag: Histogram;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly transport: MessageTransport,
    private readonly logger: Logger,
    private readonly options: AuditProjectorOptions = {},
  ) {
    const { metrics } = options;
    this.documents = new DocumentStore(prisma);
    this.progress = new ProjectionProgress(prisma, AUDIT_CONSUMER);
    this.lag = new Histogram({
      name: 'audit_projection_lag_seconds',
      help: 'Time from an event being appended to its projection into summaryInfo',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers: metrics ? [metrics] : [],
    });
  }

  async start(fromBeginning = this.options.fromBeginning ?? true): Promise<void> {
    await this.transport.ensureTopics(AUDIT_TOPICS);
    const meta = await this.documents.get<{ groupId: string }>(META, 'consumer');
    const groupId = meta?.groupId ?? this.options.consumerGroup ?? AUDIT_CONSUMER;
    this.subscription = await this.transport.subscribe({
      groupId,
      topics: AUDIT_TOPICS,
      fromBeginning,
      handle: (messages) => this.project(messages),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /**
   * Rebuilds the read models from the topics: clears them and their checkpoints, then consumes
   * every topic from the start under a new consumer group.
   */
  async rebuild(): Promise<void> {
    await this.stop();
    const groupId = `${this.options.consumerGroup ?? AUDIT_CONSUMER}-${Date.now()}`;
    await this.prisma.$transaction(async (tx) => {
      await tx.document.deleteMany({
        where: { collection: { in: [SUMMARIES, AUTHENTICATIONS, REGISTRATIONS] } },
      });
      await tx.streamCheckpoint.deleteMany({ where: { consumer: AUDIT_CONSUMER } });
      await this.documents.put(tx, META, 'consumer', { groupId });
    });
    this.progress.reset();
    await this.start(true);
  }

  async project(messages: IncomingMessage[]): Promise<void> {
    const events: IntegrationEvent[] = [];
    for (const message of messages) {
      const parsed = integrationEventEnvelope.safeParse(JSON.parse(message.value));
      if (parsed.success) events.push(parsed.data);
      else
        this.logger.warn(
          { topic: message.topic, offset: message.offset },
          'skipping a message that is not an integration event',
        );
    }
    if (!events.length) return;
    await inSqlTransaction(this.prisma, async (sql) => {
      const userIds = [...new Set(events.flatMap((event) => (event.userId ? [event.userId] : [])))];
      const { fresh, documents: stored } = await claimStreamVersionsAndRead<IntegrationEvent, UserSummary>(
        sql,
        AUDIT_CONSUMER,
        events,
        { collection: SUMMARIES, ids: userIds },
      );
      // null: the user was deleted in this batch; later events of that user change nothing.
      const summaries = new Map<string, UserSummary | null>();
      const audits: AuthenticationAudit[] = [];
      const registrations: RegistrationAudit[] = [];
      for (const event of fresh) {
        if (!event.userId) continue;
        if (event.type === 'UserDeleted') {
          summaries.set(event.userId, null);
          continue;
        }
        const summary = summaries.has(event.userId)
          ? summaries.get(event.userId)!
          : (stored.get(event.userId) ?? newUserSummary(event.userId, event.storeId));
        if (summary === null) continue;
        summaries.set(event.userId, { ...summary, summaryInfo: applyToSummary(summary.summaryInfo, event) });
        const audit = authenticationAuditOf(event);
        if (audit) audits.push(audit);
        const registration = registrationAuditOf(event);
        if (registration) registrations.push(registration);
      }
      const kept = [...summaries.values()].filter((summary): summary is UserSummary => summary !== null);
      const deleted = [...summaries].filter(([, summary]) => summary === null).map(([userId]) => userId);
      await writeDocuments(sql, {
        put: [
          ...kept.map((summary) => ({
            collection: SUMMARIES,
            id: summary.userId,
            data: summary,
            partition: summary.storeId,
          })),
          ...audits.map((audit) => ({
            collection: AUTHENTICATIONS,
            id: audit.id,
            data: audit,
            partition: audit.userId,
          })),
          ...registrations.map((audit) => ({
            collection: REGISTRATIONS,
            id: audit.id,
            data: audit,
            partition: audit.userId,
          })),
        ],
        remove: deleted.map((userId) => ({ collection: SUMMARIES, id: userId })),
      });
    });
    const now = Date.now();
    for (const event of events) this.lag.observe((now - Date.parse(event.occurredAt)) / 1000);
    this.progress.markApplied(events.map((e) => ({ streamId: e.streamId, streamVersion: e.streamVersion })));
  }

  async summaryOf(userId: string) {
    return (await this.documents.get<UserSummary>(SUMMARIES, userId))?.summaryInfo ?? emptySummaryInfo();
  }
}
