import { z } from 'zod';

/**
 * Two kinds of events, deliberately distinct:
 * - stored (domain) events: what an aggregate's stream holds; may carry encrypted secrets;
 * - integration events: what leaves through the outbox to the topics; never carry secrets.
 */
export interface StoredEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/** A zod-described event type with its schema version. */
export interface EventDefinition<Type extends string, Schema extends z.ZodTypeAny> {
  type: Type;
  version: number;
  schema: Schema;
  create(data: z.input<Schema>): StoredEvent<Type, z.output<Schema>>;
}

export const defineEvent = <Type extends string, Schema extends z.ZodTypeAny>(
  type: Type,
  schema: Schema,
  version = 1,
): EventDefinition<Type, Schema> => ({
  type,
  version,
  schema,
  create: (data) => ({ type, data: schema.parse(data) }),
});

export type EventOf<D> = D extends EventDefinition<infer T, infer S> ? StoredEvent<T, z.output<S>> : never;

/** The envelope of every message on the `identity-store.*` topics (see README "Events"). */
export const integrationEventEnvelope = z.object({
  id: z.string().uuid(),
  type: z.string(),
  version: z.number().int().positive(),
  storeId: z.string(),
  userId: z.string().optional(),
  streamId: z.string(),
  streamVersion: z.number().int().nonnegative(),
  occurredAt: z.string().datetime(),
  correlationId: z.string(),
  causationId: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});
export type IntegrationEvent = z.infer<typeof integrationEventEnvelope>;

export const topics = {
  identity: 'identity-store.identity',
  totp: 'identity-store.totp',
  passcode: 'identity-store.passcode',
  passkey: 'identity-store.passkey',
  appkey: 'identity-store.appkey',
  biometric: 'identity-store.biometric',
} as const;
export type Topic = (typeof topics)[keyof typeof topics];
