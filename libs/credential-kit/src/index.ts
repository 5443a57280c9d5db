/**
 * What every credential service (TOTP, passcode, passkey, …) shares, written once: the
 * aggregate-per-user plumbing around a decider and the services' base class, unique keys held by
 * those aggregates (sessions findable by id, credential ids unique), ceremony sessions and the
 * sweeper closing expired ones, the module (one Express app per service) and the distributed-mode
 * process.
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
