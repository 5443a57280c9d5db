export { KafkaTransport, toIncoming } from './kafka-transport';
export type { KafkaTransportLogger, KafkaTransportLogLevel, KafkaTransportOptions } from './kafka-transport';
