import { conflict, ownEntry, type PasskeyFailureReason } from '@identity-store/contracts';
import {
  type PasskeyEvent,
  PasskeyRegistrationCompleted,
  PasskeyRegistrationFailed,
  PasskeyRegistrationStarted,
  type PasskeyUserState,
} from './passkey';
import {
  clientHintsOf,
  type CompleteCeremony,
  evictionsBeforeStart,
  requireSession,
  sessionData,
  type StartCeremony,
} from './passkey-sessions';
import { findByCredential } from './passkey-views';

/*
 * Registration ceremonies. The attestation is checked beforehand by the service with
 * @simplewebauthn/server (../webauthn/verify-response.ts) and comes in as its outcome: the decider
 * judges it against the state it decides on (session still open, credential not yet registered),
 * so a decision retried on a fresher state stays right. A completed ceremony — success or failure —
 * consumes its session; a rejected request (malformed response, 409) changes nothing.
 * A credential id belongs to one passkey per store and relying party (409
 * PASSKEY_ALREADY_REGISTERED; across users the service's unique key enforces it).
 */

export type CheckFailure = { ok: false; reason: PasskeyFailureReason };

/** A verified attestation: the new credential and what the authenticator said about it. */
export interface VerifiedAttestation {
  ok: true;
  credentialId: string;
  publicKey: string;
  signCount: number;
  aaguid: string;
  attestationFormat: string;
  transports: string[];
  userVerified: boolean;
  backupEligible: boolean;
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
  authenticatorAttachment: 'platform' | 'cross-platform' | null;
  origin: string;
}
export type AttestationCheck = VerifiedAttestation | CheckFailure;

export interface StartPasskeyRegistration extends StartCeremony {
  type: 'StartPasskeyRegistration';
}

export interface CompletePasskeyRegistration extends CompleteCeremony {
  type: 'CompletePasskeyRegistration';
  passkeyId: string;
  name?: string;
  attestation: AttestationCheck;
}

export const startRegistration = (command: StartPasskeyRegistration, state: PasskeyUserState): PasskeyEvent[] => [
  ...evictionsBeforeStart(state, command.metadata.now),
  PasskeyRegistrationStarted.create(sessionData(command)),
];

export const completeRegistration = (
  command: CompletePasskeyRegistration,
  state: PasskeyUserState,
): PasskeyEvent[] => {
  const session = requireSession(state, command, 'REGISTRATION');
  const { attestation } = command;
  const at = command.metadata.now.toISOString();
  const context = command.context !== undefined ? { context: command.context } : {};
  if (!attestation.ok)
    return [
      PasskeyRegistrationFailed.create({
        sessionId: session.id,
        rpId: session.rpId,
        policyName: session.policyName,
        reason: attestation.reason,
        at,
        ...context,
      }),
    ];
  // Across users of the store the credential's unique key refuses it (the service maps that to 409 too).
  if (findByCredential(state, session.rpId, attestation.credentialId))
    throw conflict('PASSKEY_ALREADY_REGISTERED', `The credential is already registered for ${session.rpId}`);
  if (ownEntry(state.passkeys, command.passkeyId))
    throw conflict('PASSKEY_ALREADY_REGISTERED', `Passkey ${command.passkeyId} already exists`);
  const { ok: _ok, ...verified } = attestation;
  return [
    PasskeyRegistrationCompleted.create({
      sessionId: session.id,
      storeId: session.storeId,
      passkeyId: command.passkeyId,
      rpId: session.rpId,
      policyName: session.policyName,
      name: command.name ?? null,
      hints: session.hints,
      ...clientHintsOf(command),
      ...verified,
      createdDtm: at,
      ...context,
    }),
  ];
};
