/**
 * Distributed mode: the passcode (SRP-6a) service as its own process, with its own database
 * (see runCredentialService for its configuration).
 */
import { runCredentialService } from '@identity-store/credential-kit';
import { createPasscodeModule } from '@identity-store/passcode';

runCredentialService({
  name: 'passcode',
  defaultPort: 8084,
  createApp: (deps) => createPasscodeModule(deps)
});
