import type {
  EventDefinitions,
  EventOfType,
  EventTypeOf,
  IntegrationEvent,
  StoredEvent,
} from '@identity-store/contracts';

/** A consumed integration event: the envelope (README "Events for consumers") with typed data. */
export type Published<E extends StoredEvent = StoredEvent> = Omit<IntegrationEvent, 'type' | 'data'> & E;

/**
 * One read model's view of one event family (Emmett's projection shape): the event types it
 * changes with, and a pure, typed evolve. Pure: no I/O, so the audit projector and the credential
 * services can both use it.
 */
export interface Projection<Document, E extends StoredEvent = StoredEvent> {
  readonly canHandle: readonly E['type'][];
  evolve(document: Document, event: Published<E>): Document;
  /**
   * `evolve` for a consumed event: one of `canHandle` (in the version declared) is parsed with
   * its integration schema first; any other event leaves the document as it is, so new producers
   * never break the projection.
   */
  handle(document: Document, event: IntegrationEvent): Document;
}

/** A projection of the events `canHandle` of the integration event family `events`. */
export const defineProjection = <
  D extends EventDefinitions,
  Type extends EventTypeOf<D>,
  Document,
>(projection: {
  events: D;
  canHandle: readonly Type[];
  evolve: (document: Document, event: Published<EventOfType<D, Type>>) => Document;
}): Projection<Document, EventOfType<D, Type>> => {
  const { events, canHandle, evolve } = projection;
  const handled = new Set<string>(canHandle);
  return {
    canHandle,
    evolve,
    handle: (document, event) => {
      if (!handled.has(event.type)) return document;
      const definition = events[event.type]!;
      if (definition.version !== event.version) return document;
      const data = definition.schema.parse(event.data) as EventOfType<D, Type>['data'];
      return evolve(document, { ...event, data } as Published<EventOfType<D, Type>>);
    },
  };
};
