import { createCredentialModule, type CredentialModuleDeps } from '@identity-store/credential-kit';
import type { SecretBox } from '@identity-store/crypto';
import { totpApi } from './api/totp-api';
import { TotpService } from './totp-service';

export { TotpService } from './totp-service';

/** The TOTP service as one Express app. */
export const createTotpModule = (
  deps: Omit<CredentialModuleDeps, 'clock' | 'sessionSweeper'> & { secrets: SecretBox },
) => {
  const service = new TotpService(deps.eventStore, deps.identity, deps.summaries, deps.secrets);
  return createCredentialModule({ name: 'totp', service, api: totpApi(service), deps });
};
// The aggregates' evolvers and snapshot policies (the system's snapshot properties run on them).
export { evolveTotp, initialTotpUserState } from './domain/totp';
// Its stored events, for the system's snapshot properties (embedded composes every service).
export { totpEvents } from './domain/totp';
export { totpSnapshot } from './domain/totp-snapshot';
