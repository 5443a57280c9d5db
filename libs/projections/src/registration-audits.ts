import type { RegistrationAudit } from '@identity-store/contracts';
import { credentialIntegrationEvents } from './credential-events';
import { defineProjection } from './projection';

/**
 * The registration audit a completed registration records (immutable, by the credential's id):
 * what the attestation said, the hints (those the options carried; at top level those a one-call
 * request named, if it did) and the client's context, a function of the event alone like the
 * authentication audits. null: not a user's. No passcode is proven: no passcodeAuditInfo.
 */
export const registrationAudits = defineProjection({
  events: credentialIntegrationEvents,
  canHandle: ['PasskeyRegistrationCompleted', 'AppkeyRegistrationCompleted', 'BiometricEnrolled'],
  evolve: (_recorded: RegistrationAudit | null, event): RegistrationAudit | null => {
    const { userId } = event;
    if (!userId) return null;
    if (event.type === 'BiometricEnrolled') {
      const { data } = event;
      return {
        id: data.biometricId,
        userId,
        type: 'Face',
        result: 'SUCCESS',
        createdDtm: data.at,
        context: data.context ?? {},
        credentialId: data.biometricId,
        biometricRegistrationAuditInfo: {
          type: data.type,
          model: data.model,
          quality: data.quality,
          replacedBiometricId: data.replacedBiometricId,
        },
      };
    }
    if (event.type === 'AppkeyRegistrationCompleted') {
      const { data } = event;
      return {
        id: data.appkeyId,
        userId,
        type: 'Appkey',
        result: 'SUCCESS',
        createdDtm: data.createdDtm,
        context: data.context ?? {},
        credentialId: data.appkeyId,
        policyName: data.policyName,
        hints: data.hints,
        appkeyInfo: { id: data.appkeyId, rpId: data.rpId, keyId: data.keyId, deviceId: data.device.deviceId },
        appkeyRegistrationAuditInfo: {
          rpId: data.rpId,
          policyName: data.policyName,
          keyId: data.keyId,
          aaid: data.aaid,
          keyType: data.keyType,
          attestationType: data.attestationType,
          attestationCertificate: data.attestationCertificate,
          facetId: data.facetId,
          authenticatorVersion: data.authenticatorVersion,
          device: data.device,
          hints: data.hints,
        },
      };
    }
    const { data } = event;
    return {
      id: data.passkeyId,
      userId,
      type: 'Passkey',
      result: 'SUCCESS',
      createdDtm: data.createdDtm,
      context: data.context ?? {},
      credentialId: data.passkeyId,
      policyName: data.policyName,
      passkeyInfo: {
        id: data.passkeyId,
        rpId: data.rpId,
        credentialId: data.credentialId,
        name: data.name,
        status: 'ACTIVE',
      },
      passkeyRegistrationAuditInfo: {
        rpId: data.rpId,
        policyName: data.policyName,
        credentialId: data.credentialId,
        attestationFormat: data.attestationFormat,
        aaguid: data.aaguid,
        transports: data.transports,
        hints: data.hints,
        userVerified: data.userVerified,
        backupEligible: data.backupEligible,
        backedUp: data.backedUp,
        deviceType: data.deviceType,
        authenticatorAttachment: data.authenticatorAttachment,
        origin: data.origin,
      },
      hints: data.clientHints ?? data.hints,
    };
  },
});
