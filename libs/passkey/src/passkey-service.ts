import { randomUUID } from 'node:crypto';
import {
  conflict,
  type DistributiveOmit,
  DomainError,
  notFound,
  type PasskeyConfig,
  type PasskeyFailureReason,
  type Store,
  topics,
  type UserRecord,
  ownEntry,
} from '@identity-store/contracts';
import {
  CredentialService,
  openSessionKeys,
  requireActiveUser,
  UserCredentialStreams,
} from '@identity-store/credential-kit';
import {
  type EventMetadata,
  type EventStore,
  type RecordedEvent,
  UniqueKeyTakenError,
} from '@identity-store/event-store';
import type { IdentityQueries, SummaryQueries, UserRef } from '@identity-store/service-clients';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import {
  type AuthenticationSession,
  evolvePasskey,
  initialPasskeyUserState,
  type PasskeyAuthenticationFailed,
  type PasskeyEvent,
  type PasskeyRegistrationFailed,
  type PasskeySession,
  type PasskeyUserState,
  passkeySessions,
  passkeyStreamId,
  toPasskeyIntegrationEvent,
  userIdOfPasskeyStream,
  usernamelessSessionStreamId,
} from './domain/passkey';
import { decidePasskey, type PasskeyCommand } from './domain/passkey-decider';
import { passkeySnapshot } from './domain/passkey-snapshot';
import {
  DEFAULT_CEREMONY_TIMEOUT_MS,
  expirePasskeySessions,
  findSessionByChallenge,
  storeOfPasskeySessions,
} from './domain/passkey-sessions';
import {
  credentialKey,
  credentialKeysOf,
  findByCredential,
  listPasskeyResources,
  passkeysOf,
  toPasskeyResource,
} from './domain/passkey-views';
import { creationOptions, requestOptions, userHandleOf } from './webauthn/ceremony-options';
import { checkAssertion, checkAttestation, readClientData } from './webauthn/verify-response';
import {
  type CeremonyTarget,
  type Command,
  type Completion,
  expectations,
  inCredential,
  registrationFailed,
  requireConfig,
  requirePolicy,
  type SessionStep,
  sessionStart,
  startAnswer,
  topLevel,
  type UserContext,
} from './passkey-ceremony';

export type { CeremonyTarget, Completion } from './passkey-ceremony';

/** Unique-key scopes the passkey aggregates hold (see HeldKeys): open sessions, credential ids. */
const SESSION_KEYS = 'passkey-session';
const CREDENTIAL_KEYS = 'passkey-credential';

/**
 * The passkey service's application layer: resolve store, relying party configuration, policy and
 * user (for a session: the user whose stream holds it; for a usernameless one: the user whose
 * passkey the credential is), check the WebAuthn response cryptographically, decide on the user's
 * passkey aggregate with the verdict, append, and answer — with the user as the audit projection
 * sees it after this request where the answer has a user.
 */
export class PasskeyService extends CredentialService<PasskeyUserState, PasskeyEvent> {

  constructor(
    // Any EventStore: PostgresEventStore in the service, InMemoryEventStore in unit specs.
    eventStore: EventStore<unknown>,
    identity: IdentityQueries,
    summaries: SummaryQueries,
    clock: () => Date = () => new Date(),
  ) {
    super(
      new UserCredentialStreams(eventStore, identity, summaries, {
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
          [SESSION_KEYS]: openSessionKeys,
          [CREDENTIAL_KEYS]: credentialKeysOf,
        },
        // Also the usernameless sessions' own streams (the sweeper closes those too): their key is in
        // the same scope.
        sessions: { scope: SESSION_KEYS, expire: expirePasskeySessions, storeIdOf: storeOfPasskeySessions },
      }),
    );
  }

  // ---- starts --------------------------------------------------------------------------------

  async startRegistration(target: CeremonyTarget, metadata: EventMetadata) {
    const { store, user } = await this.activeUser(target);
    const config = requireConfig(store, target.rpId);
    const policy = requirePolicy(config.registrationPolicies, target.policyName, 'registration', target.rpId);
    const timeoutMs = policy.timeout ?? DEFAULT_CEREMONY_TIMEOUT_MS;
    const start = sessionStart(store, target, policy, timeoutMs);
    const { state } = await this.decide({ store, user, metadata }, { type: 'StartPasskeyRegistration', ...start });
    const session = this.openSession(state, store, start.sessionId, 'REGISTRATION');
    const excluded = passkeysOf(state, target.rpId);
    const publicKey = await creationOptions(config, policy, user, session, timeoutMs, excluded);
    return startAnswer(session, publicKey);
  }

  /** A user-scoped authentication: the options allow the user's ACTIVE passkeys of the relying party. */
  async startAuthentication(target: CeremonyTarget, metadata: EventMetadata) {
    const { store, user } = await this.activeUser(target);
    const config = requireConfig(store, target.rpId);
    const policy = requirePolicy(config.authenticationPolicies, target.policyName, 'authentication', target.rpId);
    const start = sessionStart(store, target, policy, policy.timeout);
    const command: Command = { type: 'StartPasskeyAuthentication', ...start, usernameless: false };
    const { state } = await this.decide({ store, user, metadata }, command);
    const session = this.openSession(state, store, start.sessionId, 'AUTHENTICATION');
    const allowed = session.allowCredentials.flatMap((id) => findByCredential(state, target.rpId, id) ?? []);
    const publicKey = await requestOptions(policy, session, allowed);
    return startAnswer(session, publicKey);
  }

  /**
   * A store-level (usernameless) authentication: no user yet, so the session lives in a stream of
   * its own until the response's credential names the user.
   */
  async startUsernamelessAuthentication(target: Omit<CeremonyTarget, 'ref'>, metadata: EventMetadata) {
    const store = await this.streams.requireStore(target.storeName);
    const config = requireConfig(store, target.rpId);
    const policy = requirePolicy(config.authenticationPolicies, target.policyName, 'authentication', target.rpId);
    const start = sessionStart(store, target, policy, policy.timeout);
    const command: Command = { type: 'StartPasskeyAuthentication', ...start, usernameless: true };
    const { state } = await this.decideOnSessionStream(store, start.sessionId, command, metadata);
    const session = this.openSession(state, store, start.sessionId, 'AUTHENTICATION');
    const publicKey = await requestOptions(policy, session, []);
    return startAnswer(session, publicKey);
  }

  // ---- completions ---------------------------------------------------------------------------

  /** `POST …/passkeys/registrations/sessions/{sessionId}`: the session names the user. */
  async completeRegistration(
    storeName: string,
    sessionId: string,
    completion: Completion<RegistrationResponseJSON>,
    metadata: EventMetadata,
  ) {
    const store = await this.streams.requireStore(storeName);
    const user = await this.userOfSession(store, sessionId);
    return this.register({ store, user, metadata }, { sessionId, at: topLevel }, completion);
  }

  /**
   * `POST …/passkeys/registrations` (one call): the body names user, relying party and policy
   * instead of the session; the session is the user's open registration for them whose options
   * carried the response's challenge.
   */
  async registerInOneCall(target: CeremonyTarget, completion: Completion<RegistrationResponseJSON>, metadata: EventMetadata) {
    const { store, user } = await this.activeUser(target);
    requirePolicy(requireConfig(store, target.rpId).registrationPolicies, target.policyName, 'registration', target.rpId);
    const sessionId = await this.sessionByChallenge(store, user, target, 'REGISTRATION', completion.response);
    return this.register({ store, user, metadata }, { sessionId, at: inCredential }, completion);
  }

  /** `POST …/passkeys/authentications/sessions/{sessionId}`: user-scoped or usernameless. */
  async completeAuthentication(
    storeName: string,
    sessionId: string,
    completion: Completion<AuthenticationResponseJSON>,
    metadata: EventMetadata,
  ) {
    const store = await this.streams.requireStore(storeName);
    const streamId = await this.streams.streamHolding(SESSION_KEYS, sessionId);
    if (streamId === usernamelessSessionStreamId(sessionId))
      return this.authenticateUsernameless(store, sessionId, completion, metadata);
    const user = await this.userOfSession(store, sessionId, streamId);
    return this.authenticate({ store, user, metadata }, { sessionId, at: topLevel }, completion);
  }

  /** `POST …/passkeys/authentications` (one call), like {@link registerInOneCall}. */
  async authenticateInOneCall(
    target: CeremonyTarget,
    completion: Completion<AuthenticationResponseJSON>,
    metadata: EventMetadata,
  ) {
    const { store, user } = await this.activeUser(target);
    requirePolicy(requireConfig(store, target.rpId).authenticationPolicies, target.policyName, 'authentication', target.rpId);
    const sessionId = await this.sessionByChallenge(store, user, target, 'AUTHENTICATION', completion.response);
    return this.authenticate({ store, user, metadata }, { sessionId, at: inCredential }, completion);
  }

  async change(
    storeName: string,
    ref: UserRef,
    command: DistributiveOmit<Extract<PasskeyCommand, { type: 'UpdatePasskey' | 'DeletePasskey' }>, 'metadata'>,
    metadata: EventMetadata,
  ) {
    const { store, user } = await this.streams.resolve(storeName, ref);
    // Answers without the user; its Consistency-Token lets a later read see the change.
    return this.decide({ store, user, metadata }, command);
  }

  // ---- ceremonies ----------------------------------------------------------------------------

  private async register(
    context: UserContext,
    { sessionId, at }: SessionStep,
    { response, name, context: clientContext, hints }: Completion<RegistrationResponseJSON>,
  ) {
    const { store, user } = context;
    requireActiveUser(user);
    // Checked before the response is, which needs the session's challenge.
    const session = this.openSession(await this.streams.load(user.id), store, sessionId, 'REGISTRATION');
    const attestation = await checkAttestation(response, expectations(requireConfig(store, session.rpId), session), at);
    const command: Command = {
      type: 'CompletePasskeyRegistration',
      ...{ sessionId, storeId: store.id, passkeyId: randomUUID(), attestation, name, context: clientContext },
      ...(hints !== undefined ? { clientHints: hints } : {}),
    };
    const { events } = await this.decide(context, command).catch((error: unknown) => {
      // Another user of the store holds the credential id for this relying party.
      if (error instanceof UniqueKeyTakenError && error.scope === CREDENTIAL_KEYS)
        throw conflict('PASSKEY_ALREADY_REGISTERED', `The credential is already registered for ${session.rpId}.`);
      throw error;
    });
    const failed = events.find(
      (event): event is RecordedEvent<PasskeyRegistrationFailed> => event.type === 'PasskeyRegistrationFailed',
    );
    if (failed) throw registrationFailed(failed, at);
    return this.userView(user, events);
  }

  /**
   * Checks the assertion and records the outcome in the user's stream; answers with the user. A
   * usernameless session comes from its own stream, and is consumed there first.
   */
  private async authenticate(
    context: UserContext,
    { sessionId, at }: SessionStep,
    { response, context: clientContext, hints }: Completion<AuthenticationResponseJSON>,
    usernameless?: { session: AuthenticationSession; consume: (authenticationId: string) => Promise<unknown> },
  ) {
    const { store, user } = context;
    requireActiveUser(user);
    const state = await this.streams.load(user.id);
    const session = usernameless?.session ?? this.openSession(state, store, sessionId, 'AUTHENTICATION');
    const passkey = findByCredential(state, session.rpId, response.id);
    const assertion = await checkAssertion(response, expectations(requireConfig(store, session.rpId), session), passkey, at);
    const authenticationId = randomUUID();
    await usernameless?.consume(authenticationId);
    const { events } = await this.decide(context, {
      type: 'CompletePasskeyAuthentication',
      ...{ sessionId, storeId: store.id, authenticationId, credentialId: response.id, assertion },
      ...{ userHandle: response.response.userHandle, expectedUserHandle: userHandleOf(user.id) },
      ...(usernameless ? { session: usernameless.session } : {}),
      ...(clientContext !== undefined ? { context: clientContext } : {}),
      ...(hints !== undefined ? { clientHints: hints } : {}),
    });
    const failure = events.find(
      (event): event is RecordedEvent<PasskeyAuthenticationFailed> => event.type === 'PasskeyAuthenticationFailed',
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
    completion: Completion<AuthenticationResponseJSON>,
    metadata: EventMetadata,
  ) {
    const sessionStream = await this.streams.loadStream(usernamelessSessionStreamId(sessionId));
    const session = this.openSession(sessionStream, store, sessionId, 'AUTHENTICATION');
    const config = requireConfig(store, session.rpId);
    const { response, context } = completion;
    const onSessionStream = (command: Command) => this.decideOnSessionStream(store, sessionId, command, metadata);
    const owner = await this.streams.streamHolding(CREDENTIAL_KEYS, credentialKey(store.id, session.rpId, response.id));
    const user = await this.streams.userOfStream(store, owner);
    const closing = { sessionId, storeId: store.id, ...(context !== undefined ? { context } : {}) };
    if (!user) {
      // Still a 400 for a response that cannot be read; the outcome is UNKNOWN_CREDENTIAL either way.
      await checkAssertion(response, expectations(config, session), undefined, topLevel);
      const authenticationId = randomUUID();
      await onSessionStream({ type: 'FailUsernamelessAuthentication', ...closing, authenticationId, credentialId: response.id });
      return { result: 'FAILURE' as const, authenticationId, reason: 'UNKNOWN_CREDENTIAL' as const };
    }
    return this.authenticate({ store, user, metadata }, { sessionId, at: topLevel }, completion, {
      session,
      consume: (authenticationId) =>
        onSessionStream({ type: 'CloseUsernamelessSession', sessionId, storeId: store.id, authenticationId }),
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  private async activeUser(target: CeremonyTarget) {
    const resolved = await this.streams.resolve(target.storeName, target.ref);
    requireActiveUser(resolved.user);
    return resolved;
  }

  /** The user whose stream holds the session (404 when none does). */
  private async userOfSession(store: Store, sessionId: string, streamId?: string | null): Promise<UserRecord> {
    const holder = streamId !== undefined ? streamId : await this.streams.streamHolding(SESSION_KEYS, sessionId);
    const user = await this.streams.userOfStream(store, holder);
    if (!user) throw notFound('PASSKEY_SESSION_NOT_FOUND', `Passkey session ${sessionId} does not exist.`);
    return user;
  }

  /** The user's open session of this kind, relying party and policy whose options carried the response's challenge. */
  private async sessionByChallenge(
    store: Store,
    user: UserRecord,
    target: CeremonyTarget,
    kind: PasskeySession['kind'],
    response: RegistrationResponseJSON | AuthenticationResponseJSON,
  ): Promise<string> {
    const { rpId, policyName } = target;
    const { challenge } = readClientData(response.response.clientDataJSON, inCredential);
    const session = findSessionByChallenge(await this.streams.load(user.id), kind, challenge);
    if (!session || session.storeId !== store.id || session.rpId !== rpId || session.policyName !== policyName)
      throw notFound(
        'PASSKEY_SESSION_NOT_FOUND',
        `No open passkey ${kind.toLowerCase()} of this user for ${rpId} and policy ${policyName} issued the response's challenge.`,
      );
    return session.id;
  }

  /** The state's open session of this kind and store (else 404/410, as the decider would answer). */
  private openSession<K extends PasskeySession['kind']>(state: PasskeyUserState, store: Store, sessionId: string, kind: K) {
    return passkeySessions.require(state, { sessionId, storeId: store.id, now: this.streams.clock() }, kind);
  }

  private decide({ store, user, metadata }: UserContext, command: Command) {
    return this.streams.decide(store, user, (state, now) => decidePasskey({ ...command, metadata: { now } }, state), {
      metadata,
    });
  }

  private decideOnSessionStream(store: Store, sessionId: string, command: Command, metadata: EventMetadata) {
    return this.streams.decideOnStream(
      usernamelessSessionStreamId(sessionId),
      { storeId: store.id },
      (state, now) => decidePasskey({ ...command, metadata: { now } }, state),
      { metadata },
    );
  }

  /** One of the user's passkeys as the API shows it (404 for none). */
  async passkeyOf(storeName: string, ref: UserRef, passkeyId: string) {
    const { state } = await this.state(storeName, ref);
    const passkey = ownEntry(state.passkeys, passkeyId);
    if (!passkey) throw notFound('PASSKEY_NOT_FOUND', `Passkey ${passkeyId} does not exist.`);
    return toPasskeyResource(passkey);
  }

  /** The user's passkeys as the API shows them. */
  async list(storeName: string, ref: UserRef) {
    const { state } = await this.state(storeName, ref);
    return listPasskeyResources(state);
  }
}
