export * from './domain-error';
export * from './events/event';
export * from './totp/totp-events';
