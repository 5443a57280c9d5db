import type { StoredEvent } from '@identity-store/contracts';
import { type EventStore, InMemoryEventStore } from '@identity-store/event-store';
import request, { type Response } from 'supertest';

/**
 * Given/when/then for API handlers on the in-memory event store (Emmett's `ApiSpecification`): a
 * fresh InMemoryEventStore per test, the given streams appended to it, the app built on it, one
 * request (or a few) sent with supertest, and the response checked. No database, no broker: a
 * `*.unit.spec.ts`. Given events are appended as they are (inline read models do not see them;
 * set those up through the API in `when` instead).
 *
 *   const given = ApiSpecification.for((eventStore) => createPasscodeApp({ eventStore, ... }));
 *
 *   it('refuses a suspended passcode', () =>
 *     given(existingStream('passcode-user-u1', [registered(), suspended()]))
 *       .when((api) => api.post('/api/identity-store/stores/acme/users/u1/passcode/authenticate').send(body))
 *       .then(expectResponse(409, { body: { code: 'PASSCODE_SUSPENDED' } })));
 *
 * `then` returns the last response, and the store is `given(...).eventStore` for checks of what was
 * appended.
 */
type App = Parameters<typeof request>[0];
export type ApiRequest = ReturnType<typeof request>;
export type ResponseCheck = (response: Response) => void;

export interface GivenStream {
  streamId: string;
  events: StoredEvent[];
}

export const existingStream = (streamId: string, events: StoredEvent[]): GivenStream => ({
  streamId,
  events,
});

/** The response has this status and (if given) a body matching `body` and these headers. */
export const expectResponse =
  (
    status: number,
    expected: { body?: unknown; headers?: Record<string, string | RegExp> } = {},
  ): ResponseCheck =>
  (response) => {
    expect({ status: response.status, body: response.body }).toMatchObject({
      status,
      ...(expected.body === undefined ? {} : { body: expected.body }),
    });
    for (const [name, value] of Object.entries(expected.headers ?? {}))
      if (typeof value === 'string') expect(response.headers[name.toLowerCase()]).toBe(value);
      else expect(response.headers[name.toLowerCase()]).toMatch(value);
  };

export const ApiSpecification = {
  for:
    <Store extends EventStore<unknown> = InMemoryEventStore>(
      app: (eventStore: Store) => App | Promise<App>,
      eventStore: () => Store = () => new InMemoryEventStore() as unknown as Store,
    ) =>
    (...given: GivenStream[]) => {
      const store = eventStore();
      const built = (async () => {
        for (const { streamId, events } of given) {
          const existing = await store.readStream(streamId);
          await store.appendToStream(streamId, events, {
            expectedVersion: existing.length,
            metadata: { correlationId: 'given' },
          });
        }
        return app(store);
      })();
      return {
        eventStore: store,
        when: (send: (api: ApiRequest) => PromiseLike<Response>) => ({
          then: async (...checks: ResponseCheck[]): Promise<Response> => {
            const response = await send(request(await built));
            for (const check of checks) check(response);
            return response;
          },
        }),
      };
    },
};
