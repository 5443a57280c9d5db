/**
 * Distributed mode: the TOTP service as its own process, with its own database (see
 * runCredentialService for its configuration).
 */
import { runCredentialService } from '@identity-store/credential-kit';
import { createTotpModule } from '@identity-store/totp';

runCredentialService({ name: 'totp', defaultPort: 8082, createApp: (deps) => createTotpModule(deps) });
