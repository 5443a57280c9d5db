export * from './aggregate-repository';
export * from './documents';
export * from './errors';
export * from './event-store';
export * from './migrate';
export * from './outbox-relay';
export * from './prisma-client';
export * from './stream-checkpoints';
