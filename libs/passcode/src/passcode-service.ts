import { hkdfSync, randomUUID } from 'node:crypto';
import {
  type DistributiveOmit,
  notFound,
  type PasscodePolicy,
  type Store,
  topics,
  type UserRecord,
  ownEntry,
} from '@identity-store/contracts';
import {
  type CredentialContext,
  CredentialService,
  openSessionKeys,
  requireActiveUser,
  requirePolicy as requireNamedPolicy,
  UserCredentialStreams,
  type UserRequest,
} from '@identity-store/credential-kit';
import type { SecretBox } from '@identity-store/crypto';
import type { EventMetadata, EventStore, RecordedEvent } from '@identity-store/event-store';
import type { IdentityQueries, SummaryQueries, UserRef } from '@identity-store/service-clients';
import {
  bigIntFromBytes,
  bytesFromBigInt,
  type SrpParameters,
  srpParameters,
  srpServerChallenge,
} from '@identity-store/srp';
import {
  type ChallengeSession,
  type DecoySession,
  evolvePasscode,
  initialPasscodeUserState,
  type PasscodeAuthenticationFailed,
  type PasscodeDecoyAuthenticationFailed,
  type PasscodeEvent,
  type PasscodeUserState,
  passcodeStreamId,
  secretLabels,
  toPasscodeIntegrationEvent,
  userIdOfPasscodeStream,
} from './domain/passcode';
import { passcodeDecider } from './domain/passcode-decider';
import { expirePasscodeSessions, storeOfPasscodeSessions } from './domain/passcode-sessions';
import {
  type PasscodeCommandWithoutMetadata,
  type PasscodeRequest,
  type PasscodeSecrets,
  serverProofOf,
  withSrpWork,
} from './domain/srp-proof';
import { passcodeSnapshot } from './domain/passcode-snapshot';
import { findByPolicy, listPasscodeResources, toPasscodeResource } from './domain/passcode-views';

const requirePolicy = (store: Store, policyName: string): PasscodePolicy =>
  requireNamedPolicy(
    store.passcodePolicies,
    policyName,
    `Passcode policy ${policyName} does not exist in store ${store.name}.`,
  );


/** Decoy salts have the length clients are told to use (16 bytes, README "Passcodes"). */
const DECOY_SALT_BYTES = 16;

/** Unique-key scope of the open sessions: which user's stream holds session X. */
const SESSION_KEYS = 'passcode-session';
type ProofInput = { A: string; M1: string };

/**
 * The passcode service's application layer: resolve store, policy and user (for a session: the
 * user whose stream holds it), decide on the user's passcode aggregate, append, and answer — with
 * the user as the audit projection sees it after this request where the answer has a user.
 */
export class PasscodeService extends CredentialService<PasscodeUserState, PasscodeEvent> {
  /** The server key behind decoy salts and verifiers (derived from SECRETS_KEY for this purpose only). */
  private readonly decoyKey: Buffer;

  constructor(
    // Any EventStore: PostgresEventStore in the service, InMemoryEventStore in unit specs.
    eventStore: EventStore<unknown>,
    identity: IdentityQueries,
    summaries: SummaryQueries,
    private readonly secrets: SecretBox,
    clock: () => Date = () => new Date(),
  ) {
    super(
      new UserCredentialStreams(eventStore, identity, summaries, {
        initialState: initialPasscodeUserState,
        evolve: evolvePasscode,
        snapshot: passcodeSnapshot,
        streamId: passcodeStreamId,
        userIdOfStream: userIdOfPasscodeStream,
        topic: topics.passcode,
        toIntegration: toPasscodeIntegrationEvent,
        clock,
        // Sessions complete on store-level paths: findable by id (keys claimed and released with the
        // events), held until their expiry at the latest (the session sweeper closes them then).
        heldKeys: { [SESSION_KEYS]: openSessionKeys },
        sessions: { scope: SESSION_KEYS, expire: expirePasscodeSessions, storeIdOf: storeOfPasscodeSessions },
      }),
    );
    this.decoyKey = secrets.deriveKey('passcode-decoy');
  }

  async startRegistration(request: UserRequest, policyName: string) {
    const context = await this.activeUserContext(request);
    const { store, user } = context;
    const policy = requirePolicy(store, policyName);
    const sessionId = randomUUID();
    const { state } = await this.run(context, {
      type: 'StartPasscodeRegistration',
      policy,
      sessionId,
      storeId: store.id,
    });
    return {
      sessionId,
      identity: user.id,
      srpGroup: policy.srpGroup,
      hash: policy.hash,
      kdf: policy.kdf ?? null, // a policy stored before KDFs: plain RFC 5054
      clientRules: policy.clientRules,
      expiresDtm: state.sessions[sessionId]!.expiresDtm,
    };
  }

  async completeRegistration(
    storeName: string,
    sessionId: string,
    body: { salt: string; verifier: string },
    metadata: EventMetadata,
  ) {
    const { store, user } = await this.sessionOwner(storeName, sessionId);
    requireActiveUser(user);
    const { events } = await this.run(
      { store, user, metadata },
      {
        type: 'CompletePasscodeRegistration',
        sessionId,
        storeId: store.id,
        policies: store.passcodePolicies,
        passcodeId: randomUUID(),
        ...body,
      },
    );
    return this.userView(user, events);
  }

  /**
   * Authentication or renewal start: the challenge (salt and B) for the policy's passcode, with the
   * KDF the client stretches it with (a renewal also names the KDF of the new verifier). For a
   * user without a passcode for the policy an authentication start answers a decoy challenge of
   * the same shape (README "Passcodes").
   */
  async startChallenge(
    kind: 'StartPasscodeAuthentication' | 'StartPasscodeRenewal',
    request: UserRequest,
    policyName: string,
  ) {
    const context = await this.activeUserContext(request);
    const { store, user } = context;
    const policy = requirePolicy(store, policyName);
    const sessionId = randomUUID();
    const { state } = await this.run(context, { type: kind, policy, sessionId, storeId: store.id });
    const session = state.sessions[sessionId] as ChallengeSession | DecoySession;
    if (session.kind === 'DECOY')
      return {
        sessionId,
        identity: user.id,
        salt: this.decoy(store, user, policy.name, srpParameters(policy.srpGroup, policy.hash)).salt,
        B: session.B,
        srpGroup: policy.srpGroup,
        hash: policy.hash,
        kdf: policy.kdf ?? null,
        expiresDtm: session.expiresDtm,
      };
    const passcode = state.passcodes[session.passcodeId]!;
    return {
      sessionId,
      identity: user.id,
      salt: this.secrets
        .decrypt(passcode.encryptedSalt, this.aad(user, secretLabels.salt(passcode.id)))
        .toString('hex'),
      B: session.B,
      srpGroup: passcode.srpGroup,
      hash: passcode.hash,
      kdf: passcode.kdf,
      expiresDtm: session.expiresDtm,
      // The client chooses the new passcode against these, and computes its verifier with newKdf.
      ...(kind === 'StartPasscodeRenewal'
        ? { clientRules: policy.clientRules, newKdf: session.newKdf ?? null }
        : {}),
    };
  }

  async completeAuthentication(
    storeName: string,
    sessionId: string,
    body: ProofInput & { context?: Record<string, unknown> },
    metadata: EventMetadata,
  ) {
    return this.completeChallenge(storeName, sessionId, metadata, (base) => ({
      ...base,
      type: 'CompletePasscodeAuthentication',
      ...body,
    }));
  }

  async completeRenewal(
    storeName: string,
    sessionId: string,
    body: ProofInput & { salt: string; verifier: string },
    metadata: EventMetadata,
  ) {
    return this.completeChallenge(storeName, sessionId, metadata, (base) => ({
      ...base,
      type: 'CompletePasscodeRenewal',
      ...body,
    }));
  }

  async change(
    request: UserRequest,
    command: Extract<PasscodeRequest, { type: 'DeregisterPasscode' | 'UpdatePasscode' | 'DeletePasscode' }>,
  ) {
    const { store, user } = await this.streams.resolve(request.storeName, request.ref);
    if (command.type === 'DeregisterPasscode') requirePolicy(store, command.policyName);
    const result = await this.run({ store, user, metadata: request.metadata }, command);
    return { ...result, user };
  }

  private async completeChallenge(
    storeName: string,
    sessionId: string,
    metadata: EventMetadata,
    command: (base: {
      sessionId: string;
      storeId: string;
      policies: Store['passcodePolicies'];
      identity: string;
      authenticationId: string;
    }) => PasscodeRequest,
  ) {
    const { store, user } = await this.sessionOwner(storeName, sessionId);
    requireActiveUser(user);
    const authenticationId = randomUUID();
    const base = {
      sessionId,
      storeId: store.id,
      policies: store.passcodePolicies,
      identity: user.id,
      authenticationId,
    };
    // The proof is checked on the state before the decision: while the session is open, what it
    // was checked against (its b, the passcode's salt and verifier) cannot change (renewal and
    // deregistration close it), so a retry on a concurrent write decides on the same verdict.
    const checked = withSrpWork(command(base), await this.streams.load(user.id), this.secretsOf(store, user));
    const { events } = await this.decide({ store, user, metadata }, () => checked);
    const serverProof = serverProofOf(checked);
    const failure = events.find(
      (event): event is RecordedEvent<PasscodeAuthenticationFailed | PasscodeDecoyAuthenticationFailed> =>
        event.type === 'PasscodeAuthenticationFailed' || event.type === 'PasscodeDecoyAuthenticationFailed',
    );
    return {
      result: failure ? ('FAILURE' as const) : ('SUCCESS' as const),
      ...(failure ? {} : { M2: serverProof }),
      authenticationId,
      // A decoy fails as a wrong proof does: the answer does not tell (the events and the audit do).
      ...(failure ? { reason: 'INVALID_PROOF' as const } : {}),
      user: await this.userView(user, events),
    };
  }

  /**
   * Store and user of a session completed through `storeName`. A session of a user of another
   * store, like an unknown or closed one, is 404 PASSCODE_SESSION_NOT_FOUND.
   */
  private async sessionOwner(storeName: string, sessionId: string) {
    const store = await this.streams.requireStore(storeName);
    const user = await this.streams.userOfStream(
      store,
      await this.streams.streamHolding(SESSION_KEYS, sessionId),
    );
    if (!user) throw notFound('PASSCODE_SESSION_NOT_FOUND', `Passcode session ${sessionId} does not exist.`);
    return { store, user };
  }

  /**
   * The decoy salt and verifier of a user and policy (hex): HKDF-SHA-256 (HMAC) of the server's
   * decoy key over store, user and policy, so they are stable across starts and unguessable; the
   * verifier is a number in 1..N−1 that nobody knows a password for.
   */
  private decoy(store: Store, user: UserRecord, policyName: string, params: SrpParameters) {
    const bytes = Buffer.from(
      hkdfSync(
        'sha256',
        this.decoyKey,
        Buffer.alloc(0),
        `passcode-decoy|${store.id}|${user.id}|${policyName}|${params.byteLength}`,
        DECOY_SALT_BYTES + params.byteLength + 16, // 16 more bytes: the reduction mod N is uniform
      ),
    );
    const v = (bigIntFromBytes(bytes.subarray(DECOY_SALT_BYTES)) % (params.N - 1n)) + 1n;
    return {
      salt: bytes.subarray(0, DECOY_SALT_BYTES).toString('hex'),
      verifier: bytesFromBigInt(v, params.byteLength).toString('hex'),
    };
  }

  /** Associated data of a user's secrets: the user id and what the value is. */
  private aad(user: UserRecord, label: string) {
    return `${user.id}/${label}`;
  }

  /** The handler's SRP keys and randomness for this user (srp-proof.ts). */
  private secretsOf(store: Store, user: UserRecord): PasscodeSecrets {
    return {
      encrypt: (plaintext, label) => this.secrets.encrypt(plaintext, this.aad(user, label)),
      decrypt: (ciphertext, label) => this.secrets.decrypt(ciphertext, this.aad(user, label)),
      challenge: (params, verifierHex) => srpServerChallenge(params, verifierHex),
      decoy: (policyName, params) => this.decoy(store, user, policyName, params),
    };
  }

  /** Does the request's SRP work on the loaded state, then decides (again on a concurrent write). */
  /** The store and user of a request, the user active (ceremonies are for active users only). */
  private async activeUserContext({ storeName, ref, metadata }: UserRequest): Promise<CredentialContext> {
    const { store, user } = await this.streams.resolve(storeName, ref);
    requireActiveUser(user);
    return { store, user, metadata };
  }

  private run(context: CredentialContext, request: PasscodeRequest) {
    const secrets = this.secretsOf(context.store, context.user);
    return this.decide(context, (state) => withSrpWork(request, state, secrets));
  }

  private decide(
    { store, user, metadata }: CredentialContext,
    commandOf: (state: PasscodeUserState) => PasscodeCommandWithoutMetadata,
  ) {
    return this.streams.decide(
      store,
      user,
      (state, now) => passcodeDecider.decide({ ...commandOf(state), metadata: { now } }, state),
      { metadata },
    );
  }

  /** The user's passcode of a policy as the API shows it (404 for an unknown policy, or none registered). */
  async registrationOf(storeName: string, ref: UserRef, policyName: string) {
    const { store, state, now } = await this.state(storeName, ref);
    if (!ownEntry(store.passcodePolicies, policyName))
      throw notFound('POLICY_NOT_FOUND', `Passcode policy ${policyName} does not exist.`);
    const passcode = findByPolicy(state, policyName);
    if (!passcode) throw notFound('PASSCODE_NOT_FOUND', `No passcode registered for policy ${policyName}.`);
    return toPasscodeResource(passcode, now);
  }

  /** One of the user's passcodes as the API shows it (404 for none). */
  async passcodeOf(storeName: string, ref: UserRef, passcodeId: string) {
    const { state, now } = await this.state(storeName, ref);
    const passcode = ownEntry(state.passcodes, passcodeId);
    if (!passcode) throw notFound('PASSCODE_NOT_FOUND', `Passcode ${passcodeId} does not exist.`);
    return toPasscodeResource(passcode, now);
  }

  /** The user's passcodes as the API shows them. */
  async list(storeName: string, ref: UserRef) {
    const { state, now } = await this.state(storeName, ref);
    return listPasscodeResources(state, now);
  }
}
