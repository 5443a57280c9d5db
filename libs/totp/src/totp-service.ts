import { randomUUID } from 'node:crypto';
import {
  type DistributiveOmit,
  notFound,
  ownEntry,
  type Store,
  topics,
  type TotpPolicy,
  type UserRecord,
} from '@identity-store/contracts';
import {
  type CredentialContext,
  CredentialService,
  requireActiveUser,
  requirePolicy as requireNamedPolicy,
  UserCredentialStreams,
  type UserRequest,
} from '@identity-store/credential-kit';
import { SecretBox } from '@identity-store/crypto';
import type { EventStore } from '@identity-store/event-store';
import type { IdentityQueries, SummaryQueries, UserRef } from '@identity-store/service-clients';
import {
  findByPolicy,
  initialTotpUserState,
  evolveTotp,
  toTotpIntegrationEvent,
  type TotpAuthenticationFailed,
  type TotpEvent,
  type TotpUserState,
  totpStreamId,
} from './domain/totp';
import { newTotpSecret, otpauthUri, toBase32 } from './domain/totp-code';
import { type TotpCodePurpose, totpCodeVerdict } from './domain/totp-code-verdict';
import { type TotpCommand, totpDecider } from './domain/totp-decider';
import { totpSnapshot } from './domain/totp-snapshot';
import { listTotpResources, toTotpResource } from './domain/totp-views';

/**
 * Associated data of a TOTP secret: the user and the credential (a ciphertext copied to another
 * credential, even one of the same user, does not decrypt). Secrets written before key ids (`v1`)
 * were bound to the user id alone and are still read that way.
 */
export const totpSecretContext = (userId: string, credentialId: string) => `${userId}/totp:${credentialId}:secret`;
const legacyTotpSecretContext = (userId: string) => userId;

const requirePolicy = (store: Store, policyName: string): TotpPolicy =>
  requireNamedPolicy(store.totpPolicies, policyName, `TOTP policy ${policyName} does not exist in store ${store.name}.`);

/** A command without its metadata: the handler decides when (`now`) it runs. */
type TotpRequestCommand = DistributiveOmit<TotpCommand, 'metadata'>;
type TotpChange = Extract<TotpRequestCommand, { type: 'DeregisterTotp' | 'UpdateTotp' | 'DeleteTotp' }>;

/**
 * The TOTP service's use cases: resolve store, policy and user, decide on the user's TOTP
 * aggregate, append, and answer with the user as the audit projection sees it after this request.
 * Secrets are encrypted and presented codes checked here; the decider gets the ciphertext and the
 * verdict.
 */
export class TotpService extends CredentialService<TotpUserState, TotpEvent> {
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
        initialState: initialTotpUserState,
        evolve: evolveTotp,
        snapshot: totpSnapshot,
        streamId: totpStreamId,
        topic: topics.totp,
        toIntegration: toTotpIntegrationEvent,
        clock,
      }),
    );
  }

  async startRegistration(request: UserRequest, policyName: string) {
    const context = await this.activeUserContext(request);
    const policy = requirePolicy(context.store, policyName);
    const secret = newTotpSecret(policy.algorithm);
    const credentialId = randomUUID();
    const encryptedSecret = this.secrets.encrypt(secret, totpSecretContext(context.user.id, credentialId));
    const { events } = await this.run(context, () => ({ type: 'StartTotpRegistration', policy, credentialId, encryptedSecret }));
    const secretBase32 = toBase32(secret);
    const { issuer, algorithm, digits, period } = policy;
    return {
      id: credentialId,
      secret: secretBase32,
      otpauthUri: otpauthUri({ issuer, account: context.user.extId, secretBase32, algorithm, digits, period }),
      user: await this.userView(context.user, events),
    };
  }

  async completeRegistration(request: UserRequest, policyName: string, code: string) {
    const context = await this.activeUserContext(request);
    requirePolicy(context.store, policyName);
    const { events } = await this.run(context, (state, now) => ({
      type: 'CompleteTotpRegistration',
      policyName,
      verdict: this.checkCode(context.user, state, { policyName, code, purpose: 'COMPLETION', now }),
    }));
    return this.userView(context.user, events);
  }

  async authenticate(request: UserRequest, policyName: string, input: { code: string; context?: Record<string, unknown> }) {
    const context = await this.activeUserContext(request);
    const policy = requirePolicy(context.store, policyName);
    const authenticationId = randomUUID();
    const { code, ...rest } = input;
    const { events } = await this.run(context, (state, now) => ({
      type: 'AuthenticateTotp',
      policy,
      authenticationId,
      ...rest,
      verdict: this.checkCode(context.user, state, { policyName, code, purpose: 'AUTHENTICATION', now }),
    }));
    const failure = events.find((event) => event.type === 'TotpAuthenticationFailed');
    return {
      result: failure ? ('FAILURE' as const) : ('SUCCESS' as const),
      authenticationId,
      ...(failure ? { reason: (failure.data as TotpAuthenticationFailed['data']).reason } : {}),
      user: await this.userView(context.user, events),
    };
  }

  async change(request: UserRequest, command: TotpChange) {
    const { store, user } = await this.resolve(request.storeName, request.ref);
    if (command.type === 'DeregisterTotp') requirePolicy(store, command.policyName);
    const result = await this.run({ store, user, metadata: request.metadata }, () => command);
    return { ...result, user };
  }

  /** Store and user of a ceremony, which needs the user ACTIVE. */
  private async activeUserContext({ storeName, ref, metadata }: UserRequest): Promise<CredentialContext> {
    const { store, user } = await this.resolve(storeName, ref);
    requireActiveUser(user);
    return { store, user, metadata };
  }

  /** Decrypts the policy's credential's secret and checks the code (see totp-code-verdict.ts). */
  private checkCode(
    user: UserRecord,
    state: TotpUserState,
    { policyName, ...presented }: { policyName: string; code: string; purpose: TotpCodePurpose; now: Date },
  ) {
    return totpCodeVerdict(findByPolicy(state, policyName), presented, (encrypted, credentialId) =>
      this.secrets.decrypt(
        encrypted,
        SecretBox.isLegacy(encrypted) ? legacyTotpSecretContext(user.id) : totpSecretContext(user.id, credentialId),
      ),
    );
  }

  /**
   * Decides the command the handler builds from the loaded state at `now` (again on a concurrent
   * write, with the same `now`) and appends its events.
   */
  private run(
    { store, user, metadata }: CredentialContext,
    commandOf: (state: TotpUserState, now: Date) => TotpRequestCommand,
  ) {
    return this.streams.decide(
      store,
      user,
      (state, now) => totpDecider.decide({ ...commandOf(state, now), metadata: { now } }, state),
      { metadata },
    );
  }

  /** The user's TOTP of a policy as the API shows it (404 for an unknown policy, or none registered). */
  async registrationOf(storeName: string, ref: UserRef, policyName: string) {
    const { store, state, now } = await this.state(storeName, ref);
    if (!ownEntry(store.totpPolicies, policyName)) throw notFound('POLICY_NOT_FOUND', `TOTP policy ${policyName} does not exist.`);
    const credential = findByPolicy(state, policyName);
    if (!credential) throw notFound('TOTP_NOT_FOUND', `No TOTP registered for policy ${policyName}.`);
    return toTotpResource(credential, now);
  }

  /** One of the user's TOTPs as the API shows it (404 for none). */
  async credentialOf(storeName: string, ref: UserRef, credentialId: string) {
    const { state, now } = await this.state(storeName, ref);
    const credential = ownEntry(state.credentials, credentialId);
    if (!credential) throw notFound('TOTP_NOT_FOUND', `TOTP ${credentialId} does not exist.`);
    return toTotpResource(credential, now);
  }

  /** The user's TOTPs as the API shows them. */
  async list(storeName: string, ref: UserRef) {
    const { state, now } = await this.state(storeName, ref);
    return listTotpResources(state, now);
  }
}
