import { randomBytes, randomUUID } from 'node:crypto';
import {
  type AppkeyConfig,
  appkeyPolicyDefaults,
  type AppkeyDeviceInput,
  conflict,
  DomainError,
  type DistributiveOmit,
  invalid,
  notFound,
  ownEntry,
  type PasskeyHint,
  type Store,
  topics,
} from '@identity-store/contracts';
import {
  CredentialService,
  type CredentialContext,
  openSessionKeys,
  requireActiveUser,
  requirePolicy as requireNamedPolicy,
  UserCredentialStreams,
  type UserRequest,
} from '@identity-store/credential-kit';
import { type EventMetadata, type EventStore, type RecordedEvent, UniqueKeyTakenError } from '@identity-store/event-store';
import type { IdentityQueries, SummaryQueries, UserRef } from '@identity-store/service-clients';
import {
  type AppkeyAuthenticationFailed,
  type AppkeyEvent,
  type AppkeyRegistrationFailed,
  type AppkeySession,
  appkeySessions,
  appkeyStreamId,
  type AppkeyUserState,
  evolveAppkey,
  initialAppkeyUserState,
  toAppkeyIntegrationEvent,
  userIdOfAppkeyStream,
} from './domain/appkey';
import {
  type AppkeyCommand,
  DEFAULT_CEREMONY_TIMEOUT_MS,
  decideAppkey,
  expireAppkeySessions,
} from './domain/appkey-decider';
import { appkeySnapshot } from './domain/appkey-snapshot';
import { appkeysOf, keyIdKeysOf, listAppkeyResources, pushTargetsOf, toAppkeyResource } from './domain/appkey-views';
import type { PushNotifier } from './push/push-notifier';
import {
  authenticationRequestOf,
  checkAuthentication,
  checkRegistration,
  deregistrationRequestOf,
  registrationPolicyOf,
  registrationRequestOf,
  sessionIdOf,
  transactionContentOf,
} from './uaf/uaf-ceremony';

/** Unique-key scopes the appkey aggregates hold (see HeldKeys): open sessions, UAF key ids. */
const SESSION_KEYS = 'appkey-session';
const KEY_ID_KEYS = 'appkey-key';

type Command = DistributiveOmit<AppkeyCommand, 'metadata'>;
type Change = Extract<
  Command,
  { type: 'DeregisterAppkeys' | 'SetPreferredDevices' | 'RemovePreferredDevice' | 'DeleteAppkeyByKeyId' | 'UpdateAppkey' | 'DeleteAppkey' }
>;

/** What a ceremony is started (or completed in one call) for: a user's relying party and policy. */
export interface CeremonyTarget {
  storeName: string;
  ref: UserRef;
  rpId: string;
  policyName: string;
}

export interface RegistrationCompletion {
  uafResponse: string;
  device: AppkeyDeviceInput;
  name?: string;
  hints?: PasskeyHint[];
  context?: Record<string, unknown>;
}

export interface AuthenticationCompletion {
  uafResponse: string;
  context?: Record<string, unknown>;
}

const requireConfig = (store: Store, rpId: string): AppkeyConfig => {
  const config = ownEntry(store.appkeyConfigs, rpId);
  if (!config) throw notFound('APPKEY_CONFIG_NOT_FOUND', `No appkey configuration for ${rpId} in store ${store.name}.`);
  return config;
};

const isEvent =
  <T extends AppkeyEvent['type']>(type: T) =>
  (event: RecordedEvent<AppkeyEvent>): event is RecordedEvent<Extract<AppkeyEvent, { type: T }>> =>
    event.type === type;

const requirePolicy = <P>(policies: Record<string, P>, name: string, kind: string, rpId: string): P =>
  requireNamedPolicy(policies, name, `No appkey ${kind} policy ${name} for ${rpId}.`);

/** A fresh UAF challenge: 32 random bytes (UAF asks for at least 8), base64url. */
const newChallenge = () => randomBytes(32).toString('base64url');

const registrationFailed = (failed: RecordedEvent<AppkeyRegistrationFailed>) =>
  new DomainError(
    'validation',
    'APPKEY_REGISTRATION_FAILED',
    `The UAF registration response did not verify (${failed.data.reason}); the session is used up, start a new registration.`,
    [{ path: 'body.uafResponse', message: failed.data.reason }],
    { reason: failed.data.reason },
  );

/**
 * The appkey service's use cases: resolve store, relying party configuration, policy and user (for
 * a store-level completion: the user whose stream holds the session), check the UAF response
 * (libs/uaf, through ./uaf/uaf-ceremony.ts), decide on the user's appkey aggregate with the verdict,
 * append, and answer with the user as the audit projection sees it after this request.
 */
export class AppkeyService extends CredentialService<AppkeyUserState, AppkeyEvent> {
  constructor(
    eventStore: EventStore<unknown>,
    identity: IdentityQueries,
    summaries: SummaryQueries,
    private readonly options: { push: PushNotifier | null; publicBaseUrl?: string },
    clock: () => Date = () => new Date(),
  ) {
    super(
      new UserCredentialStreams(eventStore, identity, summaries, {
        initialState: initialAppkeyUserState,
        evolve: evolveAppkey,
        snapshot: appkeySnapshot,
        streamId: appkeyStreamId,
        userIdOfStream: userIdOfAppkeyStream,
        topic: topics.appkey,
        toIntegration: toAppkeyIntegrationEvent,
        clock,
        heldKeys: { [SESSION_KEYS]: openSessionKeys, [KEY_ID_KEYS]: keyIdKeysOf },
        sessions: { scope: SESSION_KEYS, expire: expireAppkeySessions, storeIdOf: (state) => appkeySessions.storeOf(state) },
      }),
    );
  }

  /**
   * The relying party as UAF requests name it: a configuration's default AppID is this API's
   * TrustedFacets path, made absolute with PUBLIC_BASE_URL when it is set.
   */
  private relyingParty(store: Store, rpId: string) {
    const config = requireConfig(store, rpId);
    const { publicBaseUrl } = this.options;
    return { ...config, appID: publicBaseUrl && config.appID.startsWith('/') ? new URL(config.appID, publicBaseUrl).href : config.appID };
  }

  // ---- registration ----------------------------------------------------------------------------

  async startRegistration(target: CeremonyTarget, metadata: EventMetadata) {
    const context = await this.activeUser(target, metadata);
    const config = this.relyingParty(context.store, target.rpId);
    const policy = requirePolicy(config.registrationPolicies, target.policyName, 'registration', target.rpId);
    const sessionId = randomUUID();
    const { state } = await this.decide(context, {
      type: 'StartAppkeyRegistration',
      ...this.sessionStart(context.store, target, sessionId, policy),
    });
    const session = this.openSession(state, context.store, sessionId, 'REGISTRATION');
    const uafPolicy = registrationPolicyOf(policy, appkeysOf(state, target.rpId));
    return {
      sessionId,
      uafRequest: registrationRequestOf(config, session, context.user.id, uafPolicy),
      expiresDtm: session.expiresDtm,
    };
  }

  /** `POST …/appkeys/registrations/sessions/{sessionId}`. */
  async completeRegistration(storeName: string, sessionId: string, completion: RegistrationCompletion, metadata: EventMetadata) {
    const context = await this.sessionHolder(storeName, sessionId, metadata);
    return this.register(context, sessionId, completion);
  }

  /** `POST …/appkeys/registrations`: the session is the one the response's serverData names. */
  async registerInOneCall(target: CeremonyTarget, completion: RegistrationCompletion, metadata: EventMetadata) {
    const context = await this.activeUser(target, metadata);
    const sessionId = await this.sessionOfResponse(context, target, 'REGISTRATION', completion.uafResponse);
    return this.register(context, sessionId, completion);
  }

  private async register(context: CredentialContext, sessionId: string, completion: RegistrationCompletion) {
    const { store, user } = context;
    requireActiveUser(user);
    const state = await this.streams.load(user.id);
    const session = this.openSession(state, store, sessionId, 'REGISTRATION');
    const config = this.relyingParty(store, session.rpId);
    const policy = requirePolicy(config.registrationPolicies, session.policyName, 'registration', session.rpId);
    const uafPolicy = registrationPolicyOf(policy, appkeysOf(state, session.rpId));
    const verdict = checkRegistration(
      completion.uafResponse,
      config,
      session,
      { uaf: uafPolicy, attestation: policy.attestation },
      this.streams.clock(),
    );
    const { device } = completion;
    const { events } = await this.decide(context, {
      type: 'CompleteAppkeyRegistration',
      sessionId,
      storeId: store.id,
      appkeyId: randomUUID(),
      keyType: policy.keyTypes === 'BIOMETRIC' ? 'BIOMETRIC' : 'DEVICE',
      device: { deviceId: device.deviceId, name: device.name ?? null, platform: device.platform, pushToken: device.pushToken ?? null },
      maxDevices: config.maxDevices,
      verdict,
      ...(completion.name !== undefined ? { name: completion.name } : {}),
      ...(completion.hints !== undefined ? { hints: completion.hints } : {}),
      ...(completion.context !== undefined ? { context: completion.context } : {}),
    }).catch((error: unknown) => {
      // Another user of the store holds the key id for this relying party.
      if (error instanceof UniqueKeyTakenError && error.scope === KEY_ID_KEYS)
        throw conflict('APPKEY_ALREADY_REGISTERED', `The key id is already registered for ${session.rpId}.`);
      throw error;
    });
    const failed = events.find(isEvent('AppkeyRegistrationFailed'));
    if (failed) throw registrationFailed(failed);
    return this.userView(user, events);
  }

  // ---- authentication --------------------------------------------------------------------------

  /**
   * Opens the session and, when the relying party has a push notification policy, pushes the request
   * to the preferred devices (after the append: a push never fails the start; its outcomes are
   * appended too).
   */
  async startAuthentication(
    target: CeremonyTarget,
    options: { deviceId?: string; transaction?: string; push?: boolean },
    metadata: EventMetadata,
  ) {
    const context = await this.activeUser(target, metadata);
    const { store, user } = context;
    const config = this.relyingParty(store, target.rpId);
    const policy = requirePolicy(config.authenticationPolicies, target.policyName, 'authentication', target.rpId);
    if (policy.transaction && options.transaction === undefined)
      throw invalid('TRANSACTION_REQUIRED', `Policy ${target.policyName} confirms a transaction: give its text.`, [
        { path: 'body.transaction', message: 'is required by the authentication policy' },
      ]);
    const sessionId = randomUUID();
    const { state } = await this.decide(context, {
      type: 'StartAppkeyAuthentication',
      ...this.sessionStart(store, target, sessionId, policy),
      ...(options.deviceId !== undefined ? { deviceId: options.deviceId } : {}),
      transactionContent: options.transaction !== undefined ? transactionContentOf(options.transaction) : null,
    });
    const session = this.openSession(state, store, sessionId, 'AUTHENTICATION');
    const allowed = appkeysOf(state, target.rpId).filter((a) => session.allowedKeyIds.includes(a.keyId));
    const uafRequest = authenticationRequestOf(config, session, allowed);
    const pushed: string[] = [];
    if (this.options.push && options.push !== false && ownEntry(store.pushNotificationPolicies, target.rpId)) {
      const targets = pushTargetsOf(state, target.rpId, session.allowedKeyIds);
      const outcomes = await this.options.push.notify(store.id, user.id, targets, {
        sessionId,
        storeName: store.name,
        rpId: target.rpId,
        uafRequest,
      });
      if (outcomes.length) await this.decide(context, { type: 'RecordPushes', sessionId, rpId: target.rpId, outcomes });
      pushed.push(...outcomes.filter((o) => o.status === 'SENT').map((o) => o.deviceId));
    }
    return { sessionId, uafRequest, expiresDtm: session.expiresDtm, pushed };
  }

  /** `POST …/appkeys/authentications/sessions/{sessionId}`. */
  async completeAuthentication(storeName: string, sessionId: string, completion: AuthenticationCompletion, metadata: EventMetadata) {
    const context = await this.sessionHolder(storeName, sessionId, metadata);
    return this.authenticate(context, sessionId, completion);
  }

  /** `POST …/appkeys/authentications`: the session is the one the response's serverData names. */
  async authenticateInOneCall(target: CeremonyTarget, completion: AuthenticationCompletion, metadata: EventMetadata) {
    const context = await this.activeUser(target, metadata);
    const sessionId = await this.sessionOfResponse(context, target, 'AUTHENTICATION', completion.uafResponse);
    return this.authenticate(context, sessionId, completion);
  }

  private async authenticate(context: CredentialContext, sessionId: string, completion: AuthenticationCompletion) {
    const { store, user } = context;
    requireActiveUser(user);
    const state = await this.streams.load(user.id);
    const session = this.openSession(state, store, sessionId, 'AUTHENTICATION');
    const config = this.relyingParty(store, session.rpId);
    const policy = ownEntry(config.authenticationPolicies, session.policyName);
    const verdict = checkAuthentication(completion.uafResponse, config, session, appkeysOf(state, session.rpId));
    const authenticationId = randomUUID();
    const { events } = await this.decide(context, {
      type: 'CompleteAppkeyAuthentication',
      sessionId,
      storeId: store.id,
      authenticationId,
      // A policy removed since the start: the defaults its lockout had.
      lockout: policy ?? appkeyPolicyDefaults.authentication,
      verdict,
      ...(completion.context !== undefined ? { context: completion.context } : {}),
    });
    const failure = events.find(isEvent('AppkeyAuthenticationFailed'));
    const succeeded = events.find(isEvent('AppkeyAuthenticationSucceeded'));
    return {
      result: failure ? ('FAILURE' as const) : ('SUCCESS' as const),
      authenticationId,
      ...(failure ? { reason: failure.data.reason } : {}),
      ...(succeeded ? { keyId: succeeded.data.keyId, deviceId: succeeded.data.deviceId } : {}),
      user: await this.userView(user, events),
    };
  }

  // ---- management ------------------------------------------------------------------------------

  /** A change of the user's appkeys; answers with the events and the user. */
  async change(request: UserRequest, command: Change) {
    const { store, user } = await this.streams.resolve(request.storeName, request.ref);
    if ('rpId' in command) requireConfig(store, command.rpId);
    const result = await this.decide({ store, user, metadata: request.metadata }, command);
    return { ...result, user };
  }

  /** Deregisters the selected keys; answers with the user and the UAF DeregistrationRequest for the device. */
  async deregister(request: UserRequest, rpId: string, selection: { types: Array<'DEVICE' | 'BIOMETRIC' | 'ALL'>; deviceId?: string }) {
    const { store, user } = await this.streams.resolve(request.storeName, request.ref);
    const config = this.relyingParty(store, rpId);
    const before = await this.streams.load(user.id);
    const { events } = await this.decide({ store, user, metadata: request.metadata }, { type: 'DeregisterAppkeys', rpId, ...selection });
    const removed = events
      .filter(isEvent('AppkeyDeregistered'))
      .map((e) => ({ aaid: before.appkeys[e.data.appkeyId]?.aaid ?? '', keyId: e.data.keyId }));
    return { ...(await this.userView(user, events)), uafRequest: deregistrationRequestOf(config, removed) };
  }

  // ---- reads -----------------------------------------------------------------------------------

  async appkeyOf(storeName: string, ref: UserRef, appkeyId: string) {
    const { state, now } = await this.state(storeName, ref);
    const appkey = ownEntry(state.appkeys, appkeyId);
    if (!appkey) throw notFound('APPKEY_NOT_FOUND', `Appkey ${appkeyId} does not exist.`);
    return toAppkeyResource(state, appkey, now);
  }

  async list(storeName: string, ref: UserRef) {
    const { state, now } = await this.state(storeName, ref);
    return listAppkeyResources(state, now);
  }

  // ---- internals -------------------------------------------------------------------------------

  private async activeUser(target: CeremonyTarget, metadata: EventMetadata): Promise<CredentialContext> {
    const { store, user } = await this.streams.resolve(target.storeName, target.ref);
    requireActiveUser(user);
    return { store, user, metadata };
  }

  /** The store and the user whose stream holds the session (404 when none of this store does). */
  private async sessionHolder(storeName: string, sessionId: string, metadata: EventMetadata): Promise<CredentialContext> {
    const store = await this.streams.requireStore(storeName);
    const user = await this.streams.userOfStream(store, await this.streams.streamHolding(SESSION_KEYS, sessionId));
    if (!user) throw notFound('APPKEY_SESSION_NOT_FOUND', `Appkey session ${sessionId} does not exist.`);
    return { store, user, metadata };
  }

  /** The user's open session of this kind, relying party and policy that the response's serverData names. */
  private async sessionOfResponse(
    { store, user }: CredentialContext,
    target: CeremonyTarget,
    kind: AppkeySession['kind'],
    uafResponse: string,
  ): Promise<string> {
    const config = requireConfig(store, target.rpId);
    if (kind === 'REGISTRATION') requirePolicy(config.registrationPolicies, target.policyName, 'registration', target.rpId);
    else requirePolicy(config.authenticationPolicies, target.policyName, 'authentication', target.rpId);
    const sessionId = sessionIdOf(uafResponse);
    const session = ownEntry((await this.streams.load(user.id)).sessions, sessionId);
    if (!session || session.kind !== kind || session.rpId !== target.rpId || session.policyName !== target.policyName)
      throw notFound(
        'APPKEY_SESSION_NOT_FOUND',
        `No open appkey ${kind.toLowerCase()} of this user for ${target.rpId} and policy ${target.policyName} is named by the response.`,
      );
    return sessionId;
  }

  private sessionStart(
    store: Store,
    target: Pick<CeremonyTarget, 'rpId' | 'policyName'>,
    sessionId: string,
    policy: { hints: PasskeyHint[]; timeout?: number | null },
  ) {
    return {
      sessionId,
      storeId: store.id,
      rpId: target.rpId,
      policyName: target.policyName,
      challenge: newChallenge(),
      hints: policy.hints,
      timeoutMs: policy.timeout ?? DEFAULT_CEREMONY_TIMEOUT_MS,
    };
  }

  /** The state's open session of this kind and store (else 404/410, as the decider would answer). */
  private openSession<K extends AppkeySession['kind']>(state: AppkeyUserState, store: Store, sessionId: string, kind: K) {
    return appkeySessions.require(state, { sessionId, storeId: store.id, now: this.streams.clock() }, kind);
  }

  private decide({ store, user, metadata }: CredentialContext, command: Command) {
    return this.streams.decide(store, user, (state, now) => decideAppkey({ ...command, metadata: { now } } as AppkeyCommand, state), {
      metadata,
    });
  }
}
