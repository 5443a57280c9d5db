import type { AuthenticationAudit } from '@identity-store/contracts';
import { credentialIntegrationEvents } from './credential-events';
import { defineProjection } from './projection';

/**
 * The authentication audit an authentication outcome records (immutable, by authenticationId: a
 * function of the event alone). null: not a user's (a usernameless ceremony that named none).
 */
export const authenticationAudits = defineProjection({
  events: credentialIntegrationEvents,
  canHandle: [
    'TotpAuthenticationSucceeded',
    'TotpAuthenticationFailed',
    'PasscodeAuthenticationSucceeded',
    'PasscodeAuthenticationFailed',
    'PasscodeDecoyAuthenticationFailed',
    'PasskeyAuthenticationSucceeded',
    'PasskeyAuthenticationFailed',
    'AppkeyAuthenticationSucceeded',
    'AppkeyAuthenticationFailed',
    'FaceAuthenticationSucceeded',
    'FaceAuthenticationFailed',
    'BiometricFailureRecorded',
  ],
  evolve: (_recorded: AuthenticationAudit | null, event): AuthenticationAudit | null => {
    const { userId } = event;
    if (!userId) return null;
    const common = {
      id: event.data.authenticationId,
      userId,
      createdDtm: event.data.at,
      context: event.data.context ?? {},
    };
    switch (event.type) {
      case 'TotpAuthenticationSucceeded':
        return { ...common, credentialId: event.data.credentialId, type: 'Totp', result: 'SUCCESS' };
      case 'TotpAuthenticationFailed':
        return {
          ...common,
          credentialId: event.data.credentialId,
          type: 'Totp',
          result: 'FAILURE',
          reason: event.data.reason,
        };
      case 'PasscodeAuthenticationSucceeded':
      case 'PasscodeAuthenticationFailed': {
        const { data } = event;
        return {
          ...common,
          credentialId: data.passcodeId,
          policyName: data.policyName,
          type: 'Passcode',
          ...(event.type === 'PasscodeAuthenticationFailed'
            ? { result: 'FAILURE' as const, reason: event.data.reason }
            : { result: 'SUCCESS' as const }),
          passcodeInfo: {
            id: data.passcodeId,
            status: data.locked ? 'LOCKED' : data.status,
            expirationDtm: data.expirationDtm,
          },
          passcodeAuditInfo: {
            protocol: 'SRP',
            ceremony: data.ceremony,
            policyName: data.policyName,
            srpGroup: data.srpGroup,
            hash: data.hash,
            failedAttempts: data.failedAttempts,
            locked: data.locked,
          },
        };
      }
      case 'PasscodeDecoyAuthenticationFailed': {
        // The audit tells the truth (reason PASSCODE_NOT_FOUND, no passcode); the API answer did not.
        const { data } = event;
        return {
          ...common,
          policyName: data.policyName,
          type: 'Passcode',
          result: 'FAILURE',
          reason: data.reason,
          passcodeAuditInfo: {
            protocol: 'SRP',
            // A user without the passcode can start an authentication only (a renewal start is 404).
            ceremony: 'AUTHENTICATION',
            policyName: data.policyName,
            srpGroup: data.srpGroup,
            hash: data.hash,
            failedAttempts: 0,
            locked: false,
          },
        };
      }
      case 'PasskeyAuthenticationSucceeded':
      case 'PasskeyAuthenticationFailed': {
        const { data } = event;
        const outcome =
          event.type === 'PasskeyAuthenticationFailed'
            ? {
                result: 'FAILURE' as const,
                reason: event.data.reason,
                backedUp: null,
                counterRegression: event.data.counterRegression,
              }
            : { result: 'SUCCESS' as const, backedUp: event.data.backedUp, counterRegression: false };
        const { passkeyId } = data;
        // credentialId of an audit is the credential's id here (the passkey's), when one has it.
        return {
          ...common,
          ...(passkeyId !== null ? { credentialId: passkeyId } : {}),
          policyName: data.policyName,
          type: 'Passkey',
          result: outcome.result,
          ...(outcome.result === 'FAILURE' ? { reason: outcome.reason } : {}),
          // The passkey the response named, if one of the user's has its credential id (then it has a status).
          ...(passkeyId !== null
            ? {
                passkeyInfo: {
                  id: passkeyId,
                  rpId: data.rpId,
                  credentialId: data.credentialId,
                  name: data.name,
                  status: data.status!,
                },
              }
            : {}),
          passkeyAuditInfo: {
            rpId: data.rpId,
            policyName: data.policyName,
            credentialId: data.credentialId,
            usernameless: data.usernameless,
            hints: data.hints,
            userVerified: data.userVerified,
            backedUp: outcome.backedUp,
            signCount: data.signCount,
            previousSignCount: data.previousSignCount,
            counterRegression: outcome.counterRegression,
          },
          hints: data.clientHints ?? data.hints,
        };
      }
      case 'AppkeyAuthenticationSucceeded':
        return {
          ...common,
          credentialId: event.data.appkeyId,
          policyName: event.data.policyName,
          type: 'Appkey',
          result: 'SUCCESS',
          appkeyInfo: { id: event.data.appkeyId, rpId: event.data.rpId, keyId: event.data.keyId, deviceId: event.data.deviceId },
          appkeyAuditInfo: {
            rpId: event.data.rpId,
            policyName: event.data.policyName,
            keyId: event.data.keyId,
            aaid: event.data.aaid,
            deviceId: event.data.deviceId,
            transactionConfirmed: event.data.transactionConfirmed,
            signCounter: event.data.signCounter,
            previousSignCounter: event.data.previousSignCounter,
            counterRegression: false,
            failedAttempts: 0,
            locked: false,
          },
        };
      case 'AppkeyAuthenticationFailed': {
        const { data } = event;
        return {
          ...common,
          ...(data.appkeyId !== null ? { credentialId: data.appkeyId } : {}),
          policyName: data.policyName,
          type: 'Appkey',
          result: 'FAILURE',
          reason: data.reason,
          ...(data.appkeyId !== null && data.keyId !== null && data.deviceId !== null
            ? { appkeyInfo: { id: data.appkeyId, rpId: data.rpId, keyId: data.keyId, deviceId: data.deviceId } }
            : {}),
          appkeyAuditInfo: {
            rpId: data.rpId,
            policyName: data.policyName,
            keyId: data.keyId,
            aaid: null,
            deviceId: data.deviceId,
            transactionConfirmed: false,
            signCounter: null,
            previousSignCounter: null,
            counterRegression: data.counterRegression,
            failedAttempts: data.failedAttempts,
            locked: data.lockedUntil !== null,
          },
        };
      }
      case 'FaceAuthenticationSucceeded':
      case 'FaceAuthenticationFailed': {
        const { data } = event;
        const failed = event.type === 'FaceAuthenticationFailed' ? event.data : null;
        return {
          ...common,
          credentialId: data.biometricId,
          type: 'Face',
          ...(failed ? { result: 'FAILURE' as const, reason: failed.reason } : { result: 'SUCCESS' as const }),
          biometricAuditInfo: {
            type: data.type,
            score: data.score,
            threshold: data.threshold,
            liveness: data.liveness,
            clientReported: false,
            failureReason: failed?.reason ?? null,
            failedAttempts: failed?.failedAttempts ?? 0,
            locked: failed?.lockedUntil != null,
          },
        };
      }
      case 'BiometricFailureRecorded': {
        const { data } = event;
        return {
          ...common,
          type: 'Face',
          result: 'FAILURE',
          reason: data.reason,
          biometricAuditInfo: {
            type: data.type,
            score: null,
            threshold: null,
            liveness: null,
            clientReported: true,
            failureReason: data.reason,
            failedAttempts: data.failedAttempts,
            locked: data.lockedUntil !== null,
          },
        };
      }
    }
  },
});
