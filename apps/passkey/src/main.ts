/**
 * Distributed mode: the passkey (WebAuthn) service as its own process, with its own database
 * (see runCredentialService for its configuration). Passkeys keep no secrets: no SECRETS_KEY.
 */
import { runCredentialService } from '@identity-store/credential-kit';
import { createPasskeyModule } from '@identity-store/passkey';

runCredentialService({
  name: 'passkey',
  defaultPort: 8085,
  keepsSecrets: false,
  createApp: (deps) => createPasskeyModule(deps)
});
