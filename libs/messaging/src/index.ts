export * from './transport';
export * from './in-process/in-process-transport';
export * from './kafka';
