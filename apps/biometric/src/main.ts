/**
 * Distributed mode: the biometric (face) service as its own process, with its own database (see
 * runCredentialService for its configuration). SECRETS_KEY encrypts the face templates at rest. The
 * matcher's worker threads (BIOMETRIC_THREADS, default: one per core but one) load the models at
 * start; /readyz answers ready once they have.
 */
import { createBiometricModule } from '@identity-store/biometric';
import { z } from '@identity-store/config';
import { runCredentialService } from '@identity-store/credential-kit';
import { createFaceAnalyzer } from '@identity-store/face';

const threads = z.coerce.number().int().min(1).max(64).optional().parse(process.env.BIOMETRIC_THREADS);

runCredentialService({
  name: 'biometric',
  defaultPort: 8087,
  createApp: (deps) => createBiometricModule({ ...deps, analyzer: createFaceAnalyzer(threads ? { threads } : {}) }),
});
