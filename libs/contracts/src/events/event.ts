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

/** Event definitions by type, as {@link defineEvents} returns them. */
export type EventDefinitions = Record<string, EventDefinition<string, z.ZodTypeAny>>;
type Definitions = EventDefinitions;

/** The definitions {@link defineEvents} makes of `{ TypeName: schema }`: each keyed by its own type. */
export type DefinitionsOf<Schemas extends Record<string, z.ZodTypeAny>> = {
  [Type in keyof Schemas & string]: EventDefinition<Type, Schemas[Type]>;
};

/** The union of the events of a definitions map: `EventsOf<typeof totpIntegrationEvents>`. */
export type EventsOf<D> = { [Type in keyof D]: EventOf<D[Type]> }[keyof D];

/** The event of one type of a definitions map: `EventOfType<typeof totpIntegrationEvents, 'TotpLocked'>`. */
export type EventOfType<D, Type extends keyof D> = EventOf<D[Type]>;

/** The type names of a definitions map. */
export type EventTypeOf<D> = keyof D & string;

/**
 * A family of events declared once: `{ TypeName: schema, … }` gives each type its definition (type,
 * version, schema, create), keyed by type; the union and per-type types derive from the result
 * ({@link EventsOf}, {@link EventOfType}). Versions default to 1.
 */
export const defineEvents = <Schemas extends Record<string, z.ZodTypeAny>>(
  schemas: Schemas,
  options: { versions?: Partial<Record<keyof Schemas, number>> } = {},
): DefinitionsOf<Schemas> =>
  Object.fromEntries(
    Object.entries(schemas).map(([type, schema]) => [type, defineEvent(type, schema, options.versions?.[type])]),
  ) as DefinitionsOf<Schemas>;

/**
 * A parser of one event family's raw stored events (e.g. JSON from the event store): the type must
 * be one of `definitions`, and the data must satisfy its schema.
 */
export const storedEventParser =
  <E extends StoredEvent>(definitions: Definitions, family: string) =>
  (event: StoredEvent<string, unknown>): E => {
    if (!Object.hasOwn(definitions, event.type))
      throw new Error(`Unknown ${family} event type: ${event.type}`);
    return definitions[event.type]!.create(event.data) as E;
  };

/**
 * The `{ type, version, data }` of a stored event's integration event (the caller adds the
 * envelope). Pure. The private fields are removed explicitly, and the data is then parsed with the
 * integration schema, which keeps only the fields it declares.
 */
export const integrationFormOf = <T extends string>(
  definition: EventDefinition<T, z.ZodTypeAny>,
  data: object,
  privateFields: readonly string[],
): { type: T; version: number; data: Record<string, unknown> } => {
  const published: Record<string, unknown> = { ...data };
  for (const field of privateFields) delete published[field];
  return {
    type: definition.type,
    version: definition.version,
    data: definition.schema.parse(published) as Record<string, unknown>,
  };
};

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
