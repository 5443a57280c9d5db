import { type DistributiveOmit, ownEntry } from '@identity-store/contracts';
import { SrpInputError, type SrpParameters, srpParameters, srpVerifyClient } from '@identity-store/srp';
import { findByPolicy, type PasscodeSession, type PasscodeUserState, secretLabels } from './passcode';
import type {
  CompletePasscodeAuthentication,
  CompletePasscodeRenewal,
  SrpChallenge,
  SrpProofVerdict,
  StartPasscodeAuthentication,
  StartPasscodeRenewal,
} from './passcode-authentication-decider';
import type { PasscodeCommand } from './passcode-decider';
import type { PasscodeCiphertexts } from './passcode-registration-decider';

/**
 * The handler's SRP work (RFC 5054) around the passcode decider, which gets its results as facts:
 * the challenge of a start (B and the encrypted b), the verdict on a client proof (with M2 for the
 * client), the ciphertexts of a new salt and verifier. Runs on the loaded state; no I/O.
 */

/** The handler's keys and randomness; `label` names the value (bound as associated data). */
export interface PasscodeSecrets {
  encrypt(plaintext: Buffer, label: string): string;
  decrypt(ciphertext: string, label: string): Buffer;
  /** SRP step 1: a fresh random secret b and B = (k·v + g^b) mod N (libs/srp srpServerChallenge). */
  challenge(params: SrpParameters, verifierHex: string): { b: string; B: string };
  /**
   * The decoy salt and verifier of this user and policy (hex): deterministic, from a server key,
   * so every start for the same user and policy shows the same salt, as a real passcode does.
   */
  decoy(policyName: string, params: SrpParameters): { salt: string; verifier: string };
}

/** A command as a request brings it: the client's values, before the handler's SRP work and clock. */
export type PasscodeRequest = DistributiveOmit<PasscodeCommand, 'metadata' | 'challenge' | 'proof' | 'ciphertexts'>;

/** A command with the handler's SRP results, waiting only for its metadata (`now`). */
export type PasscodeCommandWithoutMetadata = DistributiveOmit<PasscodeCommand, 'metadata'>;

const paramsOf = (of: { srpGroup: Parameters<typeof srpParameters>[0]; hash: Parameters<typeof srpParameters>[1] }) =>
  srpParameters(of.srpGroup, of.hash);

const hex = (ciphertext: string, label: string, secrets: PasscodeSecrets) =>
  secrets.decrypt(ciphertext, label).toString('hex');

/** The request with the results of the SRP work it needs on `state`. */
export const withSrpWork = (
  request: PasscodeRequest,
  state: PasscodeUserState,
  secrets: PasscodeSecrets,
): PasscodeCommandWithoutMetadata => {
  switch (request.type) {
    case 'StartPasscodeAuthentication':
    case 'StartPasscodeRenewal': {
      const challenge = challengeFor(request, state, secrets);
      return challenge ? { ...request, challenge } : request;
    }
    case 'CompletePasscodeRegistration':
      return { ...request, ciphertexts: ciphertextsOf(request.passcodeId, request, secrets) };
    case 'CompletePasscodeAuthentication':
    case 'CompletePasscodeRenewal': {
      const session = ownEntry(state.sessions, request.sessionId);
      const proof = session && proofFor(request, session, state, secrets);
      const withProof = proof ? { ...request, proof } : request;
      if (withProof.type === 'CompletePasscodeAuthentication') return withProof;
      // The new salt and verifier belong to the passcode the renewal's session challenges.
      const passcodeId = session?.kind === 'RENEWAL' ? session.passcodeId : undefined;
      return passcodeId ? { ...withProof, ciphertexts: ciphertextsOf(passcodeId, withProof, secrets) } : withProof;
    }
    default:
      return request;
  }
};

/** The server proof for the client, when the command's proof was accepted. */
export const serverProofOf = (command: PasscodeCommandWithoutMetadata): string | undefined =>
  'proof' in command && command.proof && 'ok' in command.proof && command.proof.ok ? command.proof.M2 : undefined;

const ciphertextsOf = (
  passcodeId: string,
  { salt, verifier }: { salt: string; verifier: string },
  secrets: PasscodeSecrets,
): PasscodeCiphertexts => ({
  encryptedSalt: secrets.encrypt(Buffer.from(salt, 'hex'), secretLabels.salt(passcodeId)),
  encryptedVerifier: secrets.encrypt(Buffer.from(verifier, 'hex'), secretLabels.verifier(passcodeId)),
});

/**
 * A start's challenge: B from the policy's passcode's verifier, or (an authentication without a
 * passcode) from the decoy verifier in the policy's group and hash; a fresh b either way (one
 * exponentiation, as for a real start). Nothing to challenge: a renewal without a passcode.
 */
const challengeFor = (
  request: DistributiveOmit<StartPasscodeAuthentication | StartPasscodeRenewal, 'metadata' | 'challenge'>,
  state: PasscodeUserState,
  secrets: PasscodeSecrets,
): SrpChallenge | undefined => {
  const { policy, sessionId } = request;
  const passcode = findByPolicy(state, policy.name);
  if (!passcode && request.type === 'StartPasscodeRenewal') return undefined;
  const { b, B } = passcode
    ? secrets.challenge(paramsOf(passcode), hex(passcode.encryptedVerifier, secretLabels.verifier(passcode.id), secrets))
    : secrets.challenge(paramsOf(policy), secrets.decoy(policy.name, paramsOf(policy)).verifier);
  return { B, encryptedB: secrets.encrypt(Buffer.from(b, 'hex'), secretLabels.b(sessionId)) };
};

/**
 * Checks M1 against the session's challenge: the passcode's salt and verifier, or a decoy's (whose
 * result nobody looks at: nobody knows a password behind it). Malformed values (A ≡ 0 mod N, …)
 * are a verdict of their own. Nothing to check for a registration session or a passcode gone.
 */
const proofFor = (
  request: DistributiveOmit<CompletePasscodeAuthentication | CompletePasscodeRenewal, 'metadata' | 'proof' | 'ciphertexts'>,
  session: PasscodeSession,
  state: PasscodeUserState,
  secrets: PasscodeSecrets,
): SrpProofVerdict | undefined => {
  if (session.kind === 'REGISTRATION') return undefined;
  const known =
    session.kind === 'DECOY'
      ? { params: paramsOf(session), ...secrets.decoy(session.policyName, paramsOf(session)) }
      : ownEntry(state.passcodes, session.passcodeId);
  if (!known) return undefined;
  const { params, salt, verifier } =
    'params' in known
      ? known
      : {
          params: paramsOf(known),
          salt: hex(known.encryptedSalt, secretLabels.salt(known.id), secrets),
          verifier: hex(known.encryptedVerifier, secretLabels.verifier(known.id), secrets),
        };
  const b = hex(session.encryptedB, secretLabels.b(session.id), secrets);
  try {
    const { identity, A, M1 } = request;
    const checked = srpVerifyClient(params, { identity, salt, verifier, b, B: session.B, A, M1 });
    // A decoy's proof never counts, so it never yields a server proof either.
    return checked.ok && session.kind !== 'DECOY'
      ? { sessionId: session.id, ok: true, M2: checked.M2 }
      : { sessionId: session.id, ok: false };
  } catch (error) {
    if (!(error instanceof SrpInputError)) throw error;
    return { sessionId: session.id, malformed: { field: error.field, message: error.message } };
  }
};
