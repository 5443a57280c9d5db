import { eventStoreBehaviour } from './event-store-behaviour';
import { InMemoryEventStore } from './in-memory-event-store';

describe('InMemoryEventStore', () => {
  eventStoreBehaviour(() => new InMemoryEventStore());
});
