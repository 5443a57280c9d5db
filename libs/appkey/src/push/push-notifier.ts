import { pushCredentialContext } from '@identity-store/contracts';
import type { SecretBox } from '@identity-store/crypto';
import type { PushCredentials, PushMessage, PushRateLimiter, PushSender, PushTarget } from '@identity-store/push';
import type { PushCredentialQueries } from '@identity-store/service-clients';
import type { RecordPushes } from '../domain/appkey-decider';

export type PushOutcomes = RecordPushes['outcomes'];

/**
 * Sends an authentication start to the user's devices: the relying party's push credentials come
 * from the identity service as ciphertext and are decrypted here (bound to the store and relying
 * party), pushes per user are rate-limited (push bombing), and every failure becomes an outcome —
 * nothing here throws, so a push never fails the start.
 */
export class PushNotifier {
  constructor(
    private readonly credentials: PushCredentialQueries,
    private readonly secrets: SecretBox,
    private readonly sender: PushSender,
    private readonly limiter: PushRateLimiter,
  ) {}

  /** One outcome per target; none when the relying party has no push policy or there is no target. */
  async notify(storeId: string, userId: string, targets: PushTarget[], message: PushMessage): Promise<PushOutcomes> {
    if (targets.length === 0) return [];
    const failAll = (status: 'FAILED' | 'RATE_LIMITED', reason: string) =>
      targets.map((t) => ({ deviceId: t.deviceId, provider: 'NONE' as const, status, reason }));
    let credentials: PushCredentials | null;
    try {
      credentials = await this.decrypted(storeId, message.rpId);
    } catch {
      return failAll('FAILED', 'push credentials unavailable');
    }
    if (!credentials) return [];
    if (!(await this.limiter.consume(userId))) return failAll('RATE_LIMITED', 'too many pushes for this user');
    const outcomes = await this.sender.send(credentials, targets, message);
    return outcomes.map((o) => ({
      deviceId: o.deviceId,
      provider: o.provider,
      status: o.status,
      ...('reason' in o ? { reason: o.reason.slice(0, 200) } : {}),
    }));
  }

  private async decrypted(storeId: string, rpId: string): Promise<PushCredentials | null> {
    const stored = await this.credentials.getPushCredentials(storeId, rpId);
    if (!stored) return null;
    const { apns, fcm, ttlSeconds } = stored;
    const decrypt = (ciphertext: string, provider: 'apns' | 'fcm') =>
      this.secrets.decrypt(ciphertext, pushCredentialContext(storeId, rpId, provider)).toString('utf8');
    return {
      ttlSeconds,
      ...(apns
        ? {
            apns: {
              teamId: apns.teamId,
              keyId: apns.keyId,
              bundleId: apns.bundleId,
              production: apns.production,
              ...(apns.endpoint ? { endpoint: apns.endpoint } : {}),
              privateKey: decrypt(apns.encryptedPrivateKey, 'apns'),
            },
          }
        : {}),
      ...(fcm
        ? {
            fcm: {
              projectId: fcm.projectId,
              clientEmail: fcm.clientEmail,
              ...(fcm.endpoint ? { endpoint: fcm.endpoint } : {}),
              ...(fcm.tokenEndpoint ? { tokenEndpoint: fcm.tokenEndpoint } : {}),
              privateKey: decrypt(fcm.encryptedPrivateKey, 'fcm'),
            },
          }
        : {}),
    };
  }
}
