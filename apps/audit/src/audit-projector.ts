import { type AuthenticationAudit, emptySummaryInfo, type IntegrationEvent, integrationEventEnvelope, topics } from '@identity-store/contracts';
import { claimStreamVersion, DocumentStore, type PrismaClient } from '@identity-store/event-store';
import type { Logger } from '@identity-store/http-kit';
import type { IncomingMessage, MessageTransport, Subscription } from '@identity-store/messaging';
import { Histogram, type Registry } from 'prom-client';
import { ProjectionProgress } from './data/consistency';
import { applyToSummary, authenticationAuditOf, newUserSummary, type UserSummary } from './domain/summary-projection';

export const SUMMARIES = 'summaries';
export const AUTHENTICATIONS = 'authentications';
const META = 'audit-meta';
export const AUDIT_CONSUMER = 'audit-projector';
export const AUDIT_TOPICS = [topics.identity, topics.totp, topics.passcode, topics.passkey, topics.appkey, topics.biometric];

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
 * Projects the credential topics into summaryInfo and the authentication audit. Each batch is one
 * transaction: per event, the stream checkpoint is claimed first (a redelivered or replayed event is
 * skipped), then the read models change — so the projection is idempotent and exactly-once in effect.
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
      await tx.document.deleteMany({ where: { collection: { in: [SUMMARIES, AUTHENTICATIONS] } } });
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
      else this.logger.warn({ topic: message.topic, offset: message.offset }, 'skipping a message that is not an integration event');
    }
    if (!events.length) return;
    await this.prisma.$transaction(
      async (tx) => {
        const summaries = new Map<string, UserSummary | null>();
        const audits: AuthenticationAudit[] = [];
        for (const event of events) {
          if (!(await claimStreamVersion(tx, AUDIT_CONSUMER, event.streamId, event.streamVersion))) continue;
          if (!event.userId) continue;
          if (event.type === 'UserDeleted') {
            summaries.set(event.userId, null);
            continue;
          }
          let summary = summaries.get(event.userId);
          if (summary === undefined)
            summary = (await this.documents.get<UserSummary>(SUMMARIES, event.userId, tx)) ?? newUserSummary(event.userId, event.storeId);
          if (summary === null) continue;
          summaries.set(event.userId, { ...summary, summaryInfo: applyToSummary(summary.summaryInfo, event) });
          const audit = authenticationAuditOf(event);
          if (audit) audits.push(audit);
        }
        for (const [userId, summary] of summaries) {
          if (summary) await this.documents.put(tx, SUMMARIES, userId, summary, summary.storeId);
          else await this.documents.delete(tx, SUMMARIES, userId);
        }
        for (const audit of audits) await this.documents.put(tx, AUTHENTICATIONS, audit.id, audit, audit.userId);
      },
      { timeout: 30_000 },
    );
    const now = Date.now();
    for (const event of events) this.lag.observe((now - Date.parse(event.occurredAt)) / 1000);
    this.progress.markApplied(events.map((e) => ({ streamId: e.streamId, streamVersion: e.streamVersion })));
  }

  async summaryOf(userId: string) {
    return (await this.documents.get<UserSummary>(SUMMARIES, userId))?.summaryInfo ?? emptySummaryInfo();
  }
}
