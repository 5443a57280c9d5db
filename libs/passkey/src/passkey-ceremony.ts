import { randomBytes, randomUUID } from 'node:crypto';
import {
  type DistributiveOmit,
  DomainError,
  notFound,
  ownEntry,
  type PasskeyConfig,
  type PasskeyFailureReason,
  type PasskeyHint,
  type Store,
  type UserRecord,
} from '@identity-store/contracts';
import { requirePolicy as requireNamedPolicy } from '@identity-store/credential-kit';
import type { EventMetadata, RecordedEvent } from '@identity-store/event-store';
import type { UserRef } from '@identity-store/service-clients';
import type { PasskeyRegistrationFailed } from './domain/passkey';
import type { PasskeyCommand } from './domain/passkey-decider';
import type { Expectations } from './webauthn/verify-response';

/** What the passkey service's ceremonies share: their parameters and the look-ups before a decision. */

/** A command as the service builds it: the decision's `now` is added per attempt. */
export type Command = DistributiveOmit<PasskeyCommand, 'metadata'>;

/** Where the response sits in the request body, for the field paths of a 400. */
export type FieldPath = (field: string) => string;
export const topLevel: FieldPath = (field) => `body.${field}`;
export const inCredential: FieldPath = (field) => `body.credential.${field}`;

/** What a ceremony is started (or completed in one call) for: a user's relying party and policy. */
export interface CeremonyTarget {
  storeName: string;
  ref: UserRef;
  rpId: string;
  policyName: string;
}

/** A ceremony's completion: the WebAuthn response and what comes with it. */
export interface Completion<Response> {
  response: Response;
  name?: string;
  context?: Record<string, unknown>;
  /** The hints the client gave the user agent (one-call requests), for the audit. */
  hints?: PasskeyHint[];
}

/** Whom a step of a ceremony is decided for, with the request's event metadata. */
export interface UserContext {
  store: Store;
  user: UserRecord;
  metadata: EventMetadata;
}

/** The session a completion uses, and where its response sits in the body. */
export interface SessionStep {
  sessionId: string;
  at: FieldPath;
}

export const requireConfig = (store: Store, rpId: string): PasskeyConfig => {
  const config = ownEntry(store.passkeyConfigs, rpId);
  if (!config)
    throw notFound('PASSKEY_CONFIG_NOT_FOUND', `No passkey configuration for ${rpId} in store ${store.name}.`);
  return config;
};

/** A registration or authentication policy of a relying party configuration (404 POLICY_NOT_FOUND). */
export const requirePolicy = <P>(policies: Record<string, P>, name: string, kind: string, rpId: string): P =>
  requireNamedPolicy(policies, name, `No passkey ${kind} policy ${name} for ${rpId}.`);

/** A fresh challenge: 32 random bytes (WebAuthn asks for at least 16), base64url. */
export const newChallenge = () => randomBytes(32).toString('base64url');

/** What a start's session is: its relying party, policy and what the policy asks of the ceremony. */
export const sessionStart = (
  store: Store,
  target: Pick<CeremonyTarget, 'rpId' | 'policyName'>,
  policy: { userVerification: PasskeyConfig['authenticationPolicies'][string]['userVerification']; hints: PasskeyConfig['authenticationPolicies'][string]['hints'] },
  timeoutMs: number,
) => ({
  sessionId: randomUUID(),
  storeId: store.id,
  rpId: target.rpId,
  policyName: target.policyName,
  challenge: newChallenge(),
  userVerification: policy.userVerification,
  hints: policy.hints,
  timeoutMs,
});

/**
 * A start's answer: the session, the options for the browser, and the policy's hints at top level
 * too (the changelog's start `hints`; the same list as `publicKey.hints`).
 */
export const startAnswer = <Options>(
  session: { id: string; hints: PasskeyHint[]; expiresDtm: string },
  publicKey: Options,
) => ({ sessionId: session.id, publicKey, hints: [...session.hints], expiresDtm: session.expiresDtm });

/** Which part of the response a failed registration check concerns (the `errors` of its 400). */
const fieldOfReason: Partial<Record<PasskeyFailureReason, string>> = {
  UNEXPECTED_TYPE: 'response.clientDataJSON',
  CHALLENGE_MISMATCH: 'response.clientDataJSON',
  ORIGIN_MISMATCH: 'response.clientDataJSON',
};

export const registrationFailed = (failed: RecordedEvent<PasskeyRegistrationFailed>, at: FieldPath) => {
  const { reason } = failed.data;
  return new DomainError(
    'validation',
    'PASSKEY_REGISTRATION_FAILED',
    `The registration response did not verify (${reason}); the session is used up, start a new registration.`,
    [{ path: at(fieldOfReason[reason] ?? 'response.attestationObject'), message: reason }],
    { reason },
  );
};

export const expectations = (
  config: PasskeyConfig,
  session: { challenge: string; rpId: string; userVerification: Expectations['userVerification'] },
): Expectations => ({
  challenge: session.challenge,
  origins: config.origins,
  rpId: session.rpId,
  userVerification: session.userVerification,
});
