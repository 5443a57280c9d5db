import { createCredentialModule, type CredentialModuleDeps } from '@identity-store/credential-kit';
import type { SecretBox } from '@identity-store/crypto';
import { passcodeApi } from './api/passcode-api';
import { PasscodeService } from './passcode-service';

export { PasscodeService } from './passcode-service';

/** The passcode (SRP-6a) service as one Express app. */
export const createPasscodeModule = (deps: CredentialModuleDeps & { secrets: SecretBox }) => {
  const service = new PasscodeService(
    deps.eventStore,
    deps.identity,
    deps.summaries,
    deps.secrets,
    deps.clock,
  );
  return createCredentialModule({
    name: 'passcode',
    service,
    api: passcodeApi(service),
    deps,
    sessions: service.sessions,
  });
};
// The aggregates' evolvers and snapshot policies (the system's snapshot properties run on them).
export { evolvePasscode, initialPasscodeUserState } from './domain/passcode';
// Its stored events, for the system's snapshot properties (embedded composes every service).
export { passcodeEvents } from './domain/passcode';
export { passcodeSnapshot } from './domain/passcode-snapshot';
