import { createCredentialModule, type CredentialModuleDeps } from '@identity-store/credential-kit';
import { passkeyApi } from './api/passkey-api';
import { PasskeyService } from './passkey-service';

export { PasskeyService } from './passkey-service';

/** The passkey (WebAuthn) service as one Express app. Passkeys keep no secrets: no SecretBox. */
export const createPasskeyModule = (deps: CredentialModuleDeps) => {
  const service = new PasskeyService(deps.eventStore, deps.identity, deps.summaries, deps.clock);
  return createCredentialModule({
    name: 'passkey',
    service,
    api: passkeyApi(service),
    deps,
    sessions: service.sessions,
  });
};
// The aggregates' evolvers and snapshot policies (the system's snapshot properties run on them).
export { evolvePasskey, initialPasskeyUserState } from './domain/passkey';
// Its stored events, for the system's snapshot properties (embedded composes every service).
export { passkeyEvents } from './domain/passkey';
export { passkeySnapshot } from './domain/passkey-snapshot';
