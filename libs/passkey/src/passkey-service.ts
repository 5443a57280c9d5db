import { randomBytes, randomUUID } from 'node:crypto';
import {
  conflict,
  type DistributiveOmit,
  DomainError,
  notFound,
  type PasskeyAuthenticationFailed,
  type PasskeyConfig,
  type PasskeyEvent,
  type PasskeyFailureReason,
  type PasskeyRegistrationFailed,
  type Store,
  topics,
  toPasskeyIntegrationEvent,
  type UserRecord,
  ownEntry,
} from '@identity-store/contracts';
import {
  type ExpiringSessions,
  requireActiveUser,
  UserCredentialStreams,
} from '@identity-store/credential-kit';
import {
  type EventMetadata,
  type PostgresEventStore,
  type RecordedEvent,
  UniqueKeyTakenError,
} from '@identity-store/event-store';
import type { IdentityQueries, SummaryQueries, UserRef } from '@identity-store/service-clients';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import {
  type AuthenticationSession,
  credentialKey,
  credentialKeysOf,
  DEFAULT_CEREMONY_TIMEOUT_MS,
  decidePasskey,
  evolvePasskey,
  expirePasskeySessions,
  findByCredential,
  findSessionByChallenge,
  initialPasskeyUserState,
  type PasskeyCommand,
  type PasskeySession,
  type PasskeyUserState,
  passkeysOf,
  passkeyStreamId,
  requireOpenSession,
  storeOfPasskeySessions,
  userIdOfPasskeyStream,
  usernamelessSessionStreamId,
} from './domain/passkey-decider';
import { passkeySnapshot } from './domain/passkey-snapshot';
import { creationOptions, requestOptions, userHandleOf } from './webauthn/ceremony-options';
import {
  checkAssertion,
  checkAttestation,
  type Expectations,
  readClientData,
} from './webauthn/verify-response';

/** Unique-key scopes the passkey aggregates hold (see HeldKeys): open sessions, credential ids. */
const SESSION_KEYS = 'passkey-session';
const CREDENTIAL_KEYS = 'passkey-credential';

type Command = DistributiveOmit<PasskeyCommand, 'now'>;

/** Where the response sits in the request body, for the field paths of a 400. */
type FieldPath = (field: string) => string;
const topLevel: FieldPath = (field) => `body.${field}`;
const inCredential: FieldPath = (field) => `body.credential.${field}`;

/** What a ceremony completion brings besides the WebAuthn response. */
interface CompletionExtras {
  name?: string;
  context?: Record<string, unknown>;
}

const requireConfig = (store: Store, rpId: string): PasskeyConfig => {
  const config = ownEntry(store.passkeyConfigs, rpId);
  if (!config)
    throw notFound(
      'PASSKEY_CONFIG_NOT_FOUND',
      `No passkey configuration for ${rpId} in store ${store.name}.`,
    );
  return config;
};

const requirePolicy = <P>(policies: Record<string, P>, name: string, kind: string, rpId: string): P => {
  const policy = ownEntry(policies, name);
  if (!policy) throw notFound('POLICY_NOT_FOUND', `No passkey ${kind} policy ${name} for ${rpId}.`);
  return policy;
};

/** A fresh challenge: 32 random bytes (WebAuthn asks for at least 16), base64url. */
const newChallenge = () => randomBytes(32).toString('base64url');

/** Which part of the response a failed registration check concerns (the `errors` of its 400). */
const fieldOfReason: Partial<Record<PasskeyFailureReason, string>> = {
  UNEXPECTED_TYPE: 'response.clientDataJSON',
  CHALLENGE_MISMATCH: 'response.clientDataJSON',
  ORIGIN_MISMATCH: 'response.clientDataJSON',
};

/**
 * The passkey service's application layer: resolve store, relying party configuration, policy and
 * user (for a session: the user whose stream holds it; for a usernameless one: the user whose
 * passkey the credential is), check the WebAuthn response cryptographically, decide on the user's
 * passkey aggregate, append, and answer — with the user as the audit projection sees it after this
 * request where the answer has a user.
 */
export class PasskeyService {
  private readonly streams: UserCredentialStreams<PasskeyUserState, PasskeyEvent>;

  constructor(
    eventStore: PostgresEventStore,
    identity: IdentityQueries,
    summaries: SummaryQueries,
    clock: () => Date = () => new Date(),
  ) {
    this.streams = new UserCredentialStreams(eventStore, identity, summaries, {
      initialState: initialPasskeyUserState,
      evolve: evolvePasskey,
      snapshot: passkeySnapshot,
      streamId: passkeyStreamId,
      userIdOfStream: userIdOfPasskeyStream,
      topic: topics.passkey,
      toIntegration: toPasskeyIntegrationEvent,
      clock,
      heldKeys: {
        // Sessions complete on store-level paths (held until their expiry at the latest: the session
        // sweeper closes them then); a usernameless authentication finds the user by credential.
        [SESSION_KEYS]: (state) =>
          Object.values(state.sessions).map((s) => ({ key: s.id, expiresAt: s.expiresDtm })),
        [CREDENTIAL_KEYS]: credentialKeysOf,
      },
      // Also the usernameless sessions' own streams: their key is in the same scope.
      sessions: { scope: SESSION_KEYS, expire: expirePasskeySessions, storeIdOf: storeOfPasskeySessions },
    });
  }

  /** The open ceremony sessions (user-scoped and usernameless), for the session sweeper. */
  get sessions(): ExpiringSessions {
    return this.streams;
  }

  state(storeName: string, ref: UserRef) {
    return this.streams.state(storeName, ref);
  }

  userView(user: UserRecord, appended: RecordedEvent[] = []) {
    return this.streams.userView(user, appended);
  }

  // ---- starts --------------------------------------------------------------------------------

  async startRegistration(
    storeName: string,
    ref: UserRef,
    rpId: string,
    policyName: string,
    metadata: EventMetadata,
  ) {
    const { store, user } = await this.streams.resolve(storeName, ref);
    requireActiveUser(user);
    const config = requireConfig(store, rpId);
    const policy = requirePolicy(config.registrationPolicies, policyName, 'registration', rpId);
    const sessionId = randomUUID();
    const timeoutMs = policy.timeout ?? DEFAULT_CEREMONY_TIMEOUT_MS;
    const { state } = await this.run(
      store,
      user,
      {
        type: 'StartPasskeyRegistration',
        sessionId,
        storeId: store.id,
        rpId,
        policyName,
        challenge: newChallenge(),
        userVerification: policy.userVerification,
        hints: policy.hints,
        timeoutMs,
      },
      metadata,
    );
    const session = this.openSession(state, store, sessionId, 'REGISTRATION');
    return {
      sessionId,
      publicKey: await creationOptions(config, policy, user, session, timeoutMs, passkeysOf(state, rpId)),
      expiresDtm: session.expiresDtm,
    };
  }

  /** A user-scoped authentication: the options allow the user's ACTIVE passkeys of the relying party. */
  async startAuthentication(
    storeName: string,
    ref: UserRef,
    rpId: string,
    policyName: string,
    metadata: EventMetadata,
  ) {
    const { store, user } = await this.streams.resolve(storeName, ref);
    requireActiveUser(user);
    const config = requireConfig(store, rpId);
    const policy = requirePolicy(config.authenticationPolicies, policyName, 'authentication', rpId);
    const sessionId = randomUUID();
    const { state } = await this.run(
      store,
      user,
      {
        type: 'StartPasskeyAuthentication',
        ...this.authenticationStart(store, rpId, policyName, policy, sessionId),
        usernameless: false,
      },
      metadata,
    );
    const session = this.openSession(state, store, sessionId, 'AUTHENTICATION');
    const allowed = session.allowCredentials.flatMap((id) => findByCredential(state, rpId, id) ?? []);
    return {
      sessionId,
      publicKey: await requestOptions(policy, session, allowed),
      expiresDtm: session.expiresDtm,
    };
  }

  /**
   * A store-level (usernameless) authentication: no user yet, so the session lives in a stream of
   * its own until the response's credential names the user.
   */
  async startUsernamelessAuthentication(
    storeName: string,
    rpId: string,
    policyName: string,
    metadata: EventMetadata,
  ) {
    const store = await this.streams.requireStore(storeName);
    const config = requireConfig(store, rpId);
    const policy = requirePolicy(config.authenticationPolicies, policyName, 'authentication', rpId);
    const sessionId = randomUUID();
    const command: Command = {
      type: 'StartPasskeyAuthentication',
      ...this.authenticationStart(store, rpId, policyName, policy, sessionId),
      usernameless: true,
    };
    const { state } = await this.streams.decideOnStream(
      usernamelessSessionStreamId(sessionId),
      { storeId: store.id },
      (current, now) => decidePasskey({ ...command, now } as PasskeyCommand, current),
      { metadata },
    );
    const session = this.openSession(state, store, sessionId, 'AUTHENTICATION');
    return {
      sessionId,
      publicKey: await requestOptions(policy, session, []),
      expiresDtm: session.expiresDtm,
    };
  }

  private authenticationStart(
    store: Store,
    rpId: string,
    policyName: string,
    policy: PasskeyConfig['authenticationPolicies'][string],
    sessionId: string,
  ) {
    return {
      sessionId,
      storeId: store.id,
      rpId,
      policyName,
      challenge: newChallenge(),
      userVerification: policy.userVerification,
      hints: policy.hints,
      timeoutMs: policy.timeout,
    };
  }

  // ---- completions ---------------------------------------------------------------------------

  /** `POST …/passkeys/registrations/sessions/{sessionId}`: the session names the user. */
  async completeRegistration(
    storeName: string,
    sessionId: string,
    response: RegistrationResponseJSON,
    extras: CompletionExtras,
    metadata: EventMetadata,
  ) {
    const store = await this.streams.requireStore(storeName);
    const user = await this.streams.userOfStream(
      store,
      await this.streams.streamHolding(SESSION_KEYS, sessionId),
    );
    if (!user) throw notFound('PASSKEY_SESSION_NOT_FOUND', `Passkey session ${sessionId} does not exist.`);
    return this.register(store, user, sessionId, response, extras, metadata, topLevel);
  }

  /**
   * `POST …/passkeys/registrations` (one call): the body names user, relying party and policy
   * instead of the session; the session is the user's open registration for them whose options
   * carried the response's challenge.
   */
  async registerInOneCall(
    storeName: string,
    ref: UserRef,
    rpId: string,
    policyName: string,
    response: RegistrationResponseJSON,
    extras: CompletionExtras,
    metadata: EventMetadata,
  ) {
    const { store, user } = await this.streams.resolve(storeName, ref);
    requireActiveUser(user);
    requirePolicy(requireConfig(store, rpId).registrationPolicies, policyName, 'registration', rpId);
    const sessionId = await this.sessionByChallenge(
      store,
      user,
      'REGISTRATION',
      rpId,
      policyName,
      response.response.clientDataJSON,
    );
    return this.register(store, user, sessionId, response, extras, metadata, inCredential);
  }

  /** `POST …/passkeys/authentications/sessions/{sessionId}`: user-scoped or usernameless. */
  async completeAuthentication(
    storeName: string,
    sessionId: string,
    response: AuthenticationResponseJSON,
    extras: CompletionExtras,
    metadata: EventMetadata,
  ) {
    const store = await this.streams.requireStore(storeName);
    const streamId = await this.streams.streamHolding(SESSION_KEYS, sessionId);
    if (streamId === usernamelessSessionStreamId(sessionId))
      return this.authenticateUsernameless(store, sessionId, response, extras, metadata);
    const user = await this.streams.userOfStream(store, streamId);
    if (!user) throw notFound('PASSKEY_SESSION_NOT_FOUND', `Passkey session ${sessionId} does not exist.`);
    return this.authenticate(store, user, sessionId, response, extras, metadata, topLevel);
  }

  /** `POST …/passkeys/authentications` (one call), like {@link registerInOneCall}. */
  async authenticateInOneCall(
    storeName: string,
    ref: UserRef,
    rpId: string,
    policyName: string,
    response: AuthenticationResponseJSON,
    extras: CompletionExtras,
    metadata: EventMetadata,
  ) {
    const { store, user } = await this.streams.resolve(storeName, ref);
    requireActiveUser(user);
    requirePolicy(requireConfig(store, rpId).authenticationPolicies, policyName, 'authentication', rpId);
    const sessionId = await this.sessionByChallenge(
      store,
      user,
      'AUTHENTICATION',
      rpId,
      policyName,
      response.response.clientDataJSON,
    );
    return this.authenticate(store, user, sessionId, response, extras, metadata, inCredential);
  }

  async change(
    storeName: string,
    ref: UserRef,
    command: DistributiveOmit<Extract<PasskeyCommand, { type: 'UpdatePasskey' | 'DeletePasskey' }>, 'now'>,
    metadata: EventMetadata,
  ) {
    const { store, user } = await this.streams.resolve(storeName, ref);
    const result = await this.run(store, user, command, metadata);
    // These answer without the user: a read of the user right after shows the change.
    await this.streams.awaitProjection(user, result.events);
    return result;
  }

  // ---- internals -----------------------------------------------------------------------------

  /** The user's open session of this kind, relying party and policy whose options carried the challenge. */
  private async sessionByChallenge(
    store: Store,
    user: UserRecord,
    kind: 'REGISTRATION' | 'AUTHENTICATION',
    rpId: string,
    policyName: string,
    clientDataJSON: string,
  ): Promise<string> {
    const { challenge } = readClientData(clientDataJSON, inCredential);
    const session = findSessionByChallenge(await this.streams.load(user.id), kind, challenge);
    if (
      !session ||
      session.storeId !== store.id ||
      session.rpId !== rpId ||
      session.policyName !== policyName
    )
      throw notFound(
        'PASSKEY_SESSION_NOT_FOUND',
        `No open passkey ${kind.toLowerCase()} of this user for ${rpId} and policy ${policyName} issued the response's challenge.`,
      );
    return session.id;
  }

  private expectations(
    config: PasskeyConfig,
    session: { challenge: string; rpId: string; userVerification: Expectations['userVerification'] },
  ): Expectations {
    return {
      challenge: session.challenge,
      origins: config.origins,
      rpId: session.rpId,
      userVerification: session.userVerification,
    };
  }

  /** The state's open session of this kind and store (else 404/410, as the decider would answer). */
  private openSession<K extends PasskeySession['kind']>(
    state: PasskeyUserState,
    store: Store,
    sessionId: string,
    kind: K,
  ) {
    return requireOpenSession(
      ownEntry(state.sessions, sessionId),
      { sessionId, storeId: store.id, now: this.streams.clock() },
      kind,
    );
  }

  private async register(
    store: Store,
    user: UserRecord,
    sessionId: string,
    response: RegistrationResponseJSON,
    extras: CompletionExtras,
    metadata: EventMetadata,
    at: FieldPath,
  ) {
    requireActiveUser(user);
    // Checked before the response is, which needs the session's challenge.
    const session = this.openSession(await this.streams.load(user.id), store, sessionId, 'REGISTRATION');
    const config = requireConfig(store, session.rpId);
    const attestation = await checkAttestation(response, this.expectations(config, session), at);
    let events: RecordedEvent<PasskeyEvent>[];
    try {
      ({ events } = await this.run(
        store,
        user,
        {
          type: 'CompletePasskeyRegistration',
          sessionId,
          storeId: store.id,
          passkeyId: randomUUID(),
          attestation,
          ...extras,
        },
        metadata,
      ));
    } catch (error) {
      // Another user of the store holds the credential id for this relying party.
      if (error instanceof UniqueKeyTakenError && error.scope === CREDENTIAL_KEYS)
        throw conflict(
          'PASSKEY_ALREADY_REGISTERED',
          `The credential is already registered for ${session.rpId}.`,
        );
      throw error;
    }
    const failed = events.find(
      (event): event is RecordedEvent<PasskeyRegistrationFailed> =>
        event.type === 'PasskeyRegistrationFailed',
    );
    if (failed) {
      const { reason } = failed.data;
      throw new DomainError(
        'validation',
        'PASSKEY_REGISTRATION_FAILED',
        `The registration response did not verify (${reason}); the session is used up, start a new registration.`,
        [{ path: at(fieldOfReason[reason] ?? 'response.attestationObject'), message: reason }],
        { reason },
      );
    }
    return this.userView(user, events);
  }

  /** Checks the assertion and records the outcome in the user's stream; answers with the user. */
  private async authenticate(
    store: Store,
    user: UserRecord,
    sessionId: string,
    response: AuthenticationResponseJSON,
    extras: CompletionExtras,
    metadata: EventMetadata,
    at: FieldPath,
    usernameless?: {
      session: AuthenticationSession;
      consume: (authenticationId: string) => Promise<unknown>;
    },
  ) {
    requireActiveUser(user);
    const state = await this.streams.load(user.id);
    const session = usernameless?.session ?? this.openSession(state, store, sessionId, 'AUTHENTICATION');
    const config = requireConfig(store, session.rpId);
    const passkey = findByCredential(state, session.rpId, response.id);
    const assertion = await checkAssertion(response, this.expectations(config, session), passkey, at);
    const authenticationId = randomUUID();
    await usernameless?.consume(authenticationId);
    const { events } = await this.run(
      store,
      user,
      {
        type: 'CompletePasskeyAuthentication',
        sessionId,
        storeId: store.id,
        authenticationId,
        credentialId: response.id,
        userHandle: response.response.userHandle,
        expectedUserHandle: userHandleOf(user.id),
        ...(usernameless ? { session: usernameless.session } : {}),
        assertion,
        ...(extras.context !== undefined ? { context: extras.context } : {}),
      },
      metadata,
    );
    const failure = events.find(
      (event): event is RecordedEvent<PasskeyAuthenticationFailed> =>
        event.type === 'PasskeyAuthenticationFailed',
    );
    return {
      result: failure ? ('FAILURE' as const) : ('SUCCESS' as const),
      authenticationId,
      ...(failure ? { reason: failure.data.reason } : {}),
      user: await this.userView(user, events),
    };
  }

  /**
   * A usernameless session: the credential id (unique per store and relying party) names the user
   * whose passkey it is. The session is consumed in its own stream first (so it is single-use even
   * though the outcome is the user's stream's); a response naming no passkey of the store fails
   * there, with no user to answer with.
   */
  private async authenticateUsernameless(
    store: Store,
    sessionId: string,
    response: AuthenticationResponseJSON,
    extras: CompletionExtras,
    metadata: EventMetadata,
  ) {
    const sessionStream = usernamelessSessionStreamId(sessionId);
    const session = this.openSession(
      await this.streams.loadStream(sessionStream),
      store,
      sessionId,
      'AUTHENTICATION',
    );
    const config = requireConfig(store, session.rpId);
    const onSessionStream = (command: Command) =>
      this.streams.decideOnStream(
        sessionStream,
        { storeId: store.id },
        (current, at) => decidePasskey({ ...command, now: at } as PasskeyCommand, current),
        { metadata },
      );
    const owner = await this.streams.streamHolding(
      CREDENTIAL_KEYS,
      credentialKey(store.id, session.rpId, response.id),
    );
    const user = await this.streams.userOfStream(store, owner);
    if (!user) {
      // Still a 400 for a response that cannot be read; the outcome is UNKNOWN_CREDENTIAL either way.
      await checkAssertion(response, this.expectations(config, session), undefined, topLevel);
      const authenticationId = randomUUID();
      await onSessionStream({
        type: 'FailUsernamelessAuthentication',
        sessionId,
        storeId: store.id,
        authenticationId,
        credentialId: response.id,
        ...(extras.context !== undefined ? { context: extras.context } : {}),
      });
      return { result: 'FAILURE' as const, authenticationId, reason: 'UNKNOWN_CREDENTIAL' as const };
    }
    return this.authenticate(store, user, sessionId, response, extras, metadata, topLevel, {
      session,
      consume: (authenticationId) =>
        onSessionStream({ type: 'CloseUsernamelessSession', sessionId, storeId: store.id, authenticationId }),
    });
  }

  private run(store: Store, user: UserRecord, command: Command, metadata: EventMetadata) {
    return this.streams.decide(
      store,
      user,
      (state, now) => decidePasskey({ ...command, now } as PasskeyCommand, state),
      {
        metadata,
      },
    );
  }
}
