import { createCredentialModule, type CredentialModuleDeps } from '@identity-store/credential-kit';
import type { SecretBox } from '@identity-store/crypto';
import type { FaceAnalyzer } from '@identity-store/face';
import { biometricApi } from './api/biometric-api';
import { BiometricService } from './biometric-service';

export { BiometricService } from './biometric-service';

/**
 * The biometric (face) service as one Express app. Ready once its database answers and every
 * matcher worker has loaded the models.
 */
export const createBiometricModule = (deps: CredentialModuleDeps & { secrets: SecretBox; analyzer: FaceAnalyzer }) => {
  const service = new BiometricService(deps.eventStore, deps.identity, deps.summaries, deps.secrets, deps.analyzer, deps.clock);
  return createCredentialModule({
    name: 'biometric',
    service,
    api: biometricApi(service),
    deps,
    readiness: [{ name: 'face-matcher', check: () => deps.analyzer.ready() }],
  });
};
// The aggregate's evolver, stored events and snapshot policy (the system's snapshot properties run on them).
export { biometricEvents, evolveBiometric, initialBiometricUserState } from './domain/biometric';
export { biometricSnapshot } from './domain/biometric-snapshot';
