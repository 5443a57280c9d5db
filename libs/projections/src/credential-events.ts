import {
  appkeyIntegrationEvents,
  biometricIntegrationEvents,
  passcodeIntegrationEvents,
  passkeyIntegrationEvents,
  totpIntegrationEvents,
} from '@identity-store/contracts';

/**
 * The integration events of every credential family by type (type names are unique across
 * families), for the read models that span families: the authentication and registration audits.
 */
export const credentialIntegrationEvents = {
  ...totpIntegrationEvents,
  ...passcodeIntegrationEvents,
  ...passkeyIntegrationEvents,
  ...appkeyIntegrationEvents,
  ...biometricIntegrationEvents,
};
