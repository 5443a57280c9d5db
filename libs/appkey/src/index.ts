import { createCredentialModule, type CredentialModuleDeps } from '@identity-store/credential-kit';
import type { SecretBox } from '@identity-store/crypto';
import { createPushSender, PushRateLimiter, type PushSender } from '@identity-store/push';
import type { PushCredentialQueries } from '@identity-store/service-clients';
import { appkeyApi } from './api/appkey-api';
import { AppkeyService } from './appkey-service';
import { PushNotifier } from './push/push-notifier';

export { AppkeyService } from './appkey-service';

/** Pushes per user and minute before further starts go unpushed (push bombing; README "Appkeys"). */
export const PUSHES_PER_USER_PER_MINUTE = 10;

export interface AppkeyModuleDeps extends CredentialModuleDeps {
  /** Decrypts the relying parties' push credentials (the identity service keeps them encrypted). */
  secrets: SecretBox;
  /** The identity service's push credentials (ciphertext). */
  pushCredentials: PushCredentialQueries;
  /** APNs and FCM; tests give one that trusts their stand-ins' CA. */
  pushSender?: PushSender;
  /** PUBLIC_BASE_URL: a configuration's default AppID (this API's TrustedFacets path) is made absolute with it. */
  publicBaseUrl?: string;
}

/** The appkey (FIDO UAF) service as one Express app. */
export const createAppkeyModule = (deps: AppkeyModuleDeps) => {
  const sender = deps.pushSender ?? createPushSender({ logger: deps.logger });
  const limiter = new PushRateLimiter({ points: PUSHES_PER_USER_PER_MINUTE, durationSeconds: 60 });
  const push = new PushNotifier(deps.pushCredentials, deps.secrets, sender, limiter);
  const service = new AppkeyService(deps.eventStore, deps.identity, deps.summaries, { push, publicBaseUrl: deps.publicBaseUrl }, deps.clock);
  return createCredentialModule({ name: 'appkey', service, api: appkeyApi(service), deps, sessions: service.sessions });
};
// The aggregate's evolver and stored events (the system's snapshot properties run on them).
export { evolveAppkey, initialAppkeyUserState, appkeyEvents } from './domain/appkey';
export { appkeySnapshot } from './domain/appkey-snapshot';
