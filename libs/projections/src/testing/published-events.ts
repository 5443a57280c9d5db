import type { EventDefinitions, IntegrationEvent } from '@identity-store/contracts';

/** An event as its service holds it; what it publishes is the data its integration schema keeps. */
export interface HeldEvent<Type extends string> {
  type: Type;
  data: object;
}

/**
 * For the projections' unit specs: publishes a family's events to one user's stream as its service
 * does (the envelope, numbered in publication order, around the data the integration schema keeps).
 * userId null: an event before a user is known (e.g. of a usernameless session).
 */
export const publisherOf = <Definitions extends EventDefinitions>(
  definitions: Definitions,
  family: string,
  user = 'user-1',
) => {
  let version = 0;
  return (event: HeldEvent<keyof Definitions & string>, userId: string | null = user): IntegrationEvent => {
    const definition = definitions[event.type]!;
    version += 1;
    return {
      id: `00000000-0000-4000-8000-${String(version).padStart(12, '0')}`,
      storeId: 'store-1',
      ...(userId ? { userId } : {}),
      streamId: `${family}-user-${user}`,
      streamVersion: version,
      occurredAt: '2026-05-07T10:00:00.000Z',
      correlationId: 'c',
      type: event.type,
      version: definition.version,
      data: definition.schema.parse(event.data) as Record<string, unknown>,
    };
  };
};
