import type { Store, UserRecord } from '@identity-store/contracts';
import type { EventMetadata } from '@identity-store/event-store';
import { type UserRef, userRefOf } from '@identity-store/service-clients';

/** A user-scoped request to a credential service: which store and user, and its tracing metadata. */
export interface UserRequest {
  storeName: string;
  ref: UserRef;
  metadata: EventMetadata;
}

/** The request of a route with user path parameters (by internal or external id). */
export const userRequestOf = (
  params: { storeName: string; userId?: string; extId?: string },
  metadata: EventMetadata,
): UserRequest => ({ storeName: params.storeName, ref: userRefOf(params), metadata });

/** A use case's context once the request is resolved: the store, the user and the metadata to append with. */
export interface CredentialContext {
  store: Store;
  user: UserRecord;
  metadata: EventMetadata;
}
