import type { UserRecord } from '@identity-store/contracts';
import type { UserState } from './user';

/**
 * The user as the identity service keeps it (the state holds it in that shape); null before
 * creation and after deletion. The API's user adds the audit's summary (service-clients toUserView).
 */
export const userRecord = (state: UserState): UserRecord | null => (state.user && !state.deleted ? state.user : null);
