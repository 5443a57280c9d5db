import { randomUUID } from 'node:crypto';
import {
  type DistributiveOmit,
  notFound,
  ownEntry,
  type Store,
  type TotpEvent,
  toTotpIntegrationEvent,
  topics,
  type TotpPolicy,
  type UserRecord,
} from '@identity-store/contracts';
import { requireActiveUser, requirePolicy as requireNamedPolicy, UserCredentialStreams } from '@identity-store/credential-kit';
import { SecretBox } from '@identity-store/crypto';
import type { EventMetadata, PostgresEventStore, RecordedEvent } from '@identity-store/event-store';
import type { IdentityQueries, SummaryQueries, UserRef } from '@identity-store/service-clients';
import { newTotpSecret, otpauthUri, toBase32 } from './domain/totp-code';
import {
  decideTotp,
  evolveTotp,
  initialTotpUserState,
  type TotpCommand,
  type TotpUserState,
  totpStreamId,
} from './domain/totp-decider';
import { totpSnapshot } from './domain/totp-snapshot';
import { findByPolicy, listTotpResources, toTotpResource } from './domain/totp-decider';

/**
 * Associated data of a TOTP secret: the user and the credential (a ciphertext copied to another
 * credential, even one of the same user, does not decrypt). Secrets written before key ids (`v1`)
 * were bound to the user id alone and are still read that way.
 */
export const totpSecretContext = (userId: string, credentialId: string) => `${userId}/totp:${credentialId}:secret`;
const legacyTotpSecretContext = (userId: string) => userId;

const requirePolicy = (store: Store, policyName: string): TotpPolicy =>
  requireNamedPolicy(store.totpPolicies, policyName, `TOTP policy ${policyName} does not exist in store ${store.name}.`);

/**
 * The TOTP service's application layer: resolve store, policy and user, decide on the user's TOTP
 * aggregate, append, and answer with the user as the audit projection sees it after this request.
 */
export class TotpService {
  private readonly streams: UserCredentialStreams<TotpUserState, TotpEvent>;

  constructor(
    eventStore: PostgresEventStore,
    identity: IdentityQueries,
    summaries: SummaryQueries,
    private readonly secrets: SecretBox,
    clock: () => Date = () => new Date(),
  ) {
    this.streams = new UserCredentialStreams(eventStore, identity, summaries, {
      initialState: initialTotpUserState,
      evolve: evolveTotp,
      snapshot: totpSnapshot,
      streamId: totpStreamId,
      topic: topics.totp,
      toIntegration: toTotpIntegrationEvent,
      clock,
    });
  }

  resolve(storeName: string, ref: UserRef) {
    return this.streams.resolve(storeName, ref);
  }

  state(storeName: string, ref: UserRef) {
    return this.streams.state(storeName, ref);
  }

  /** The user with summaryInfo reflecting (at least) the given appended events. */
  userView(user: UserRecord, appended: RecordedEvent[] = []) {
    return this.streams.userView(user, appended);
  }

  async startRegistration(storeName: string, ref: UserRef, policyName: string, metadata: EventMetadata) {
    const { store, user } = await this.resolve(storeName, ref);
    requireActiveUser(user);
    const policy = requirePolicy(store, policyName);
    const secret = newTotpSecret(policy.algorithm);
    const credentialId = randomUUID();
    const encryptedSecret = this.secrets.encrypt(secret, totpSecretContext(user.id, credentialId));
    const { events } = await this.run(store, user, { type: 'StartTotpRegistration', policy, credentialId, encryptedSecret }, metadata);
    const secretBase32 = toBase32(secret);
    return {
      id: credentialId,
      secret: secretBase32,
      otpauthUri: otpauthUri({
        issuer: policy.issuer,
        account: user.extId,
        secretBase32,
        algorithm: policy.algorithm,
        digits: policy.digits,
        period: policy.period,
      }),
      user: await this.userView(user, events),
    };
  }

  async completeRegistration(storeName: string, ref: UserRef, policyName: string, code: string, metadata: EventMetadata) {
    const { store, user } = await this.resolve(storeName, ref);
    requireActiveUser(user);
    requirePolicy(store, policyName);
    const { events } = await this.run(store, user, { type: 'CompleteTotpRegistration', policyName, code }, metadata);
    return this.userView(user, events);
  }

  async authenticate(
    storeName: string,
    ref: UserRef,
    policyName: string,
    input: { code: string; context?: Record<string, unknown> },
    metadata: EventMetadata,
  ) {
    const { store, user } = await this.resolve(storeName, ref);
    requireActiveUser(user);
    const policy = requirePolicy(store, policyName);
    const authenticationId = randomUUID();
    const { events } = await this.run(store, user, { type: 'AuthenticateTotp', policy, authenticationId, ...input }, metadata);
    const failure = events.find((event) => event.type === 'TotpAuthenticationFailed');
    return {
      result: failure ? ('FAILURE' as const) : ('SUCCESS' as const),
      authenticationId,
      ...(failure ? { reason: (failure.data as { reason: string }).reason } : {}),
      user: await this.userView(user, events),
    };
  }

  async change(
    storeName: string,
    ref: UserRef,
    command: DistributiveOmit<Extract<TotpCommand, { type: 'DeregisterTotp' | 'UpdateTotp' | 'DeleteTotp' }>, 'now'>,
    metadata: EventMetadata,
  ) {
    const { store, user } = await this.resolve(storeName, ref);
    if (command.type === 'DeregisterTotp') requirePolicy(store, command.policyName);
    const result = await this.run(store, user, command, metadata);
    // Updates and deletes answer without the user: a read of the user right after shows the change
    // (a deregistration answers with the user, which waits for it anyway).
    if (command.type !== 'DeregisterTotp') await this.streams.awaitProjection(user, result.events);
    return { ...result, user };
  }

  private run(store: Store, user: UserRecord, command: DistributiveOmit<TotpCommand, 'now'>, metadata: EventMetadata) {
    const deps = {
      decryptSecret: (encrypted: string, credentialId: string) =>
        this.secrets.decrypt(
          encrypted,
          SecretBox.isLegacy(encrypted) ? legacyTotpSecretContext(user.id) : totpSecretContext(user.id, credentialId),
        ),
    };
    return this.streams.decide(store, user, (state, now) => decideTotp({ ...command, now } as TotpCommand, state, deps), {
      metadata,
    });
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
