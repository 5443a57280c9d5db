import type { StoredEvent, UserRecord } from '@identity-store/contracts';
import type { RecordedEvent } from '@identity-store/event-store';
import type { UserRef } from '@identity-store/service-clients';
import type { ExpiringSessions } from './session-sweeper';
import type { UserCredentialStreams } from './user-credential-streams';

/**
 * What every credential service (TOTP, passcode, passkey, …) answers the same way, through its
 * UserCredentialStreams: a family's service extends it with its use cases, so these are written
 * once.
 */
export abstract class CredentialService<State, E extends StoredEvent> {
  protected constructor(protected readonly streams: UserCredentialStreams<State, E>) {}

  /** Store and user of a user-scoped request (404 for unknown ones and users of other stores). */
  resolve(storeName: string, ref: UserRef) {
    return this.streams.resolve(storeName, ref);
  }

  /** The user's current aggregate state (and the time it is read at, for derived statuses). */
  state(storeName: string, ref: UserRef) {
    return this.streams.state(storeName, ref);
  }

  /** The user with summaryInfo reflecting (at least) the given appended events. */
  userView(user: UserRecord, appended: RecordedEvent[] = []) {
    return this.streams.userView(user, appended);
  }

  /** The open ceremony sessions, for the session sweeper (a family without sessions has none). */
  get sessions(): ExpiringSessions {
    return this.streams;
  }
}
