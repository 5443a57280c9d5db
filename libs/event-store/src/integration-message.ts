import type { IntegrationEvent } from '@identity-store/contracts';
import type { OutboxEntry, PendingEvent } from './event-store';

/**
 * Wraps one recorded event as a message of the public topics: the documented envelope, keyed by
 * user id (store id for store events). `data` must already be the integration form (no secrets).
 */
export const integrationMessage = (
  recorded: PendingEvent,
  topic: string,
  integration: {
    type: string;
    version: number;
    data: Record<string, unknown>;
    storeId: string;
    userId?: string;
  },
): OutboxEntry => {
  const envelope: IntegrationEvent = {
    id: recorded.id,
    type: integration.type,
    version: integration.version,
    storeId: integration.storeId,
    ...(integration.userId ? { userId: integration.userId } : {}),
    streamId: recorded.streamId,
    streamVersion: recorded.streamVersion,
    occurredAt: recorded.createdAt.toISOString(),
    correlationId: recorded.metadata.correlationId,
    ...(recorded.metadata.causationId ? { causationId: recorded.metadata.causationId } : {}),
    data: integration.data,
  };
  return {
    eventId: recorded.id,
    topic,
    key: integration.userId ?? integration.storeId,
    value: JSON.stringify(envelope),
    headers: { 'event-type': integration.type, 'correlation-id': recorded.metadata.correlationId },
  };
};
