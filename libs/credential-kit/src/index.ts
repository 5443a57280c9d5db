/**
 * What every credential service (TOTP, passcode, passkey, …) shares, written once: the
 * aggregate-per-user plumbing around a decider, unique keys held by those aggregates (sessions
 * findable by id, credential ids unique), the sweeper closing expired ceremony sessions, and the
 * distributed-mode process.
 */
export * from './user-credential-streams';
export * from './credential-service';
export * from './held-keys';
export * from './run-credential-service';
export * from './credential-module';
export * from './session-sweeper';
export * from './ceremony-sessions';
export * from './require-policy';
export * from './credential-request';
