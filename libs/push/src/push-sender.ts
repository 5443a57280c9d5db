import { ApnsClient } from './apns';
import { type Delivery, failureReason, untilAborted } from './delivery';
import { FcmClient } from './fcm';
import type {
  PushCredentials,
  PushLogger,
  PushMessage,
  PushOutcome,
  PushProvider,
  PushSender,
  PushTarget,
} from './push-types';

export interface PushSenderOptions {
  /** Bound of one `send`, all its targets together (they go out concurrently). Default 5000. */
  timeoutMs?: number;
  /** Receives one entry per outcome: device id, provider, status, reason; never a key or token. */
  logger?: PushLogger;
  /** PEM certificates trusted besides Node's roots (tests' local stand-ins). */
  caCertificates?: string[];
  /** Epoch milliseconds (tests move it to age the cached tokens). Default Date.now. */
  now?: () => number;
}

const PROVIDER_OF_PLATFORM = { IOS: 'APNS', ANDROID: 'FCM', WEB: undefined } as const satisfies Record<
  PushTarget['platform'],
  PushProvider | undefined
>;

const silent: PushLogger = { info: () => {}, warn: () => {} };

export const createPushSender = (
  options: PushSenderOptions = {},
): PushSender & { close(): Promise<void> } => {
  const timeoutMs = options.timeoutMs ?? 5000;
  const logger = options.logger ?? silent;
  const clientOptions = {
    ca: options.caCertificates?.length ? options.caCertificates : undefined,
    now: options.now ?? Date.now,
    timeoutMs,
  };
  const apns = new ApnsClient(clientOptions);
  const fcm = new FcmClient(clientOptions);

  const deliver = async (
    provider: PushProvider,
    credentials: PushCredentials,
    target: PushTarget,
    message: PushMessage,
    signal: AbortSignal,
  ): Promise<Delivery> => {
    if (provider === 'APNS')
      return credentials.apns
        ? apns.deliver(credentials.apns, credentials.ttlSeconds, target.pushToken, message, signal)
        : { status: 'FAILED', reason: 'no APNs configuration' };
    return credentials.fcm
      ? fcm.deliver(credentials.fcm, credentials.ttlSeconds, target.pushToken, message, signal)
      : { status: 'FAILED', reason: 'no FCM configuration' };
  };

  const sendTo = async (
    credentials: PushCredentials,
    target: PushTarget,
    message: PushMessage,
    signal: AbortSignal,
  ): Promise<PushOutcome> => {
    const provider = PROVIDER_OF_PLATFORM[target.platform];
    if (!provider)
      return {
        deviceId: target.deviceId,
        provider: 'NONE',
        status: 'FAILED',
        reason: `no push provider for platform ${target.platform}`,
      };
    try {
      return {
        deviceId: target.deviceId,
        provider,
        ...(await untilAborted(deliver(provider, credentials, target, message, signal), signal)),
      };
    } catch (error) {
      const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : failureReason(error);
      return { deviceId: target.deviceId, provider, status: 'FAILED', reason };
    }
  };

  return {
    async send(credentials, targets, message) {
      const deadline = new AbortController();
      // A referenced timer: the process stays up while a send is in flight (idle connections do not hold it).
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      try {
        const outcomes = await Promise.all(
          targets.map((target) => sendTo(credentials, target, message, deadline.signal)),
        );
        for (const outcome of outcomes) {
          const entry = { sessionId: message.sessionId, rpId: message.rpId, ...outcome };
          if (outcome.status === 'FAILED') logger.warn(entry, 'push not delivered');
          else logger.info(entry, outcome.status === 'SENT' ? 'push sent' : 'push token unregistered');
        }
        return outcomes;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await Promise.all([apns.close(), fcm.close()]);
    },
  };
};
