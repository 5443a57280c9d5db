/**
 * Distributed mode: the appkey (FIDO UAF) service as its own process, with its own database (see
 * runCredentialService for its configuration). SECRETS_KEY decrypts the relying parties' push
 * credentials, which the identity service keeps encrypted with the same key.
 */
import { createAppkeyModule } from '@identity-store/appkey';
import { runCredentialService } from '@identity-store/credential-kit';
import { HttpPushCredentialQueries } from '@identity-store/service-clients';

runCredentialService({
  name: 'appkey',
  defaultPort: 8086,
  createApp: (deps) =>
    createAppkeyModule({
      ...deps,
      pushCredentials: new HttpPushCredentialQueries(deps.internal.identityUrl, { tokens: deps.internal.tokens }),
    }),
});
