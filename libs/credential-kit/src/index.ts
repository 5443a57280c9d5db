/**
 * What every credential service (TOTP, passcode, …) shares, written once: the aggregate-per-user
 * plumbing around a decider and the distributed-mode process.
 */
export * from './user-credential-streams';
export * from './run-credential-service';
