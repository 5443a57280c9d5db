import { randomUUID } from 'node:crypto';
import {
  type ClientBiometricFailureReason,
  DistributiveOmit,
  DomainError,
  effectiveBiometricPolicy,
  invalid,
  notFound,
  topics,
} from '@identity-store/contracts';
import {
  type CredentialContext,
  CredentialService,
  requireActiveUser,
  UserCredentialStreams,
  type UserRequest,
} from '@identity-store/credential-kit';
import type { SecretBox } from '@identity-store/crypto';
import type { EventStore, RecordedEvent } from '@identity-store/event-store';
import { HttpProblem } from '@identity-store/http-kit';
import type { IdentityQueries, SummaryQueries, UserRef } from '@identity-store/service-clients';
import {
  type BiometricEvent,
  type BiometricUserState,
  biometricStreamId,
  evolveBiometric,
  type FaceAuthenticationFailed,
  type FaceAuthenticationSucceeded,
  initialBiometricUserState,
  toBiometricIntegrationEvent,
  userIdOfBiometricStream,
} from './domain/biometric';
import { type BiometricCommand, decideBiometric, requireUnlocked } from './domain/biometric-decider';
import { biometricSnapshot } from './domain/biometric-snapshot';
import { biometricResourcesOf } from './domain/biometric-views';
import { type FaceAnalyzer, FaceImageError, MatcherBusyError } from '@identity-store/face';
import { embeddingOf, templateOf } from './matching/templates';

type Command = DistributiveOmit<BiometricCommand, 'metadata'>;

/**
 * Associated data of a face template: the user and the enrolment (a ciphertext copied to another
 * user or enrolment does not decrypt).
 */
export const templateContext = (userId: string, biometricId: string) => `${userId}/biometric:${biometricId}:template`;

/** Seconds a client waits before retrying when every matcher worker is busy. */
const MATCHER_BUSY_RETRY_SECONDS = 1;

const image = (base64: string): Buffer => Buffer.from(base64, 'base64');

/** Only faces: `…/biometrics/{type}` with another type is a 400 naming the parameter. */
const requireFace = (type: string): 'face' => {
  if (type !== 'face')
    throw invalid('UNSUPPORTED_BIOMETRIC_TYPE', `Biometric type ${type} is not supported (only face).`, [
      { path: 'params.type', message: 'must be face' },
    ]);
  return 'face';
};

/**
 * The biometric service's use cases: resolve store, policy and user, analyse the image in the
 * matcher's worker pool (detection, embedding, liveness), compare the probe with the decrypted
 * template, decide on the user's biometric aggregate with the verdict, append, and answer with the
 * user as the audit projection sees it after this request. Images are never kept; templates are
 * stored encrypted and never leave the service.
 */
export class BiometricService extends CredentialService<BiometricUserState, BiometricEvent> {
  constructor(
    eventStore: EventStore<unknown>,
    identity: IdentityQueries,
    summaries: SummaryQueries,
    private readonly secrets: SecretBox,
    private readonly analyzer: FaceAnalyzer,
    clock: () => Date = () => new Date(),
  ) {
    super(
      new UserCredentialStreams(eventStore, identity, summaries, {
        initialState: initialBiometricUserState,
        evolve: evolveBiometric,
        snapshot: biometricSnapshot,
        streamId: biometricStreamId,
        userIdOfStream: userIdOfBiometricStream,
        topic: topics.biometric,
        toIntegration: toBiometricIntegrationEvent,
        clock,
      }),
    );
  }

  /** Enrols (or re-enrols) the face of the image; answers with the user. */
  async enrol(request: UserRequest, type: string, input: { image: string; context?: Record<string, unknown> }) {
    requireFace(type);
    const context = await this.activeUser(request);
    const policy = effectiveBiometricPolicy(context.store.biometricPolicy);
    // Refused before the (costly) analysis; the decision checks again on the state it appends to.
    requireUnlocked(await this.streams.load(context.user.id), this.streams.clock());
    const face = await this.analyze(input.image, policy.minFaceSize);
    const biometricId = randomUUID();
    const encryptedTemplate = this.secrets.encrypt(templateOf(face.embedding), templateContext(context.user.id, biometricId));
    const { events } = await this.decide(context, {
      type: 'EnrolFace',
      biometricId,
      encryptedTemplate,
      model: face.model,
      quality: face.quality,
      ...(input.context !== undefined ? { context: input.context } : {}),
    });
    return this.userView(context.user, events);
  }

  /** Compares the probe's face with the enrolled template; answers SUCCESS or FAILURE with the user. */
  async authenticate(request: UserRequest, input: { image: string; context?: Record<string, unknown> }) {
    const context = await this.activeUser(request);
    const policy = effectiveBiometricPolicy(context.store.biometricPolicy);
    const state = await this.streams.load(context.user.id);
    const enrolled = state.face;
    if (!enrolled) throw notFound('BIOMETRIC_NOT_ENROLLED', 'The user has no face enrolled.');
    requireUnlocked(state, this.streams.clock());
    const probe = await this.analyze(input.image, policy.minFaceSize);
    if (probe.model !== enrolled.model)
      throw new DomainError('conflict', 'TEMPLATE_MODEL_CHANGED', 'The enrolled face was made with another model: enrol again.');
    const template = embeddingOf(this.secrets.decrypt(enrolled.encryptedTemplate, templateContext(context.user.id, enrolled.biometricId)));
    const authenticationId = randomUUID();
    const { events } = await this.decide(context, {
      type: 'AuthenticateFace',
      authenticationId,
      biometricId: enrolled.biometricId,
      rules: policy,
      verdict: { score: this.analyzer.similarity(probe.embedding, template), liveness: probe.liveness },
      ...(input.context !== undefined ? { context: input.context } : {}),
    });
    // The decision is one event: succeeded or failed, each with the score it was judged on.
    const decided = events.find(
      (event): event is RecordedEvent<FaceAuthenticationFailed | FaceAuthenticationSucceeded> =>
        event.type === 'FaceAuthenticationFailed' || event.type === 'FaceAuthenticationSucceeded',
    )!;
    const failure = decided.type === 'FaceAuthenticationFailed' ? (decided.data as FaceAuthenticationFailed['data']) : null;
    const { score } = decided.data;
    return {
      result: failure ? ('FAILURE' as const) : ('SUCCESS' as const),
      authenticationId,
      ...(failure ? { reason: failure.reason } : {}),
      ...(score !== null ? { score } : {}),
      user: await this.userView(context.user, events),
    };
  }

  /** Records a failure the client observed (it counts toward the lockout); answers with the user. */
  async recordFailure(request: UserRequest, input: { reason: ClientBiometricFailureReason; context?: Record<string, unknown> }) {
    const context = await this.activeUser(request);
    const policy = effectiveBiometricPolicy(context.store.biometricPolicy);
    const { events } = await this.decide(context, {
      type: 'RecordBiometricFailure',
      authenticationId: randomUUID(),
      reason: input.reason,
      rules: policy,
      ...(input.context !== undefined ? { context: input.context } : {}),
    });
    return this.userView(context.user, events);
  }

  /** Deletes the enrolled face (failures and a lock stay with the user); answers with the user. */
  async remove(request: UserRequest, type: string) {
    requireFace(type);
    const { store, user } = await this.streams.resolve(request.storeName, request.ref);
    const { events } = await this.decide({ store, user, metadata: request.metadata }, { type: 'DeleteBiometric' });
    return this.userView(user, events);
  }

  async list(storeName: string, ref: UserRef) {
    const { state } = await this.state(storeName, ref);
    return biometricResourcesOf(state);
  }

  // ---- internals -------------------------------------------------------------------------------

  private async activeUser({ storeName, ref, metadata }: UserRequest): Promise<CredentialContext> {
    const { store, user } = await this.streams.resolve(storeName, ref);
    requireActiveUser(user);
    return { store, user, metadata };
  }

  /** The image's one face, or a 400 naming `body.image` (nothing changes); 503 when the matcher is saturated. */
  private async analyze(base64: string, minFaceSize: number) {
    try {
      return await this.analyzer.analyze(image(base64), { minFaceSize });
    } catch (error: unknown) {
      if (error instanceof FaceImageError)
        throw invalid(error.code, error.message, [{ path: 'body.image', message: error.message }]);
      if (error instanceof MatcherBusyError)
        throw new HttpProblem(503, 'MATCHER_BUSY', 'Every face matcher is busy; retry shortly.', undefined, {
          retryAfterSeconds: MATCHER_BUSY_RETRY_SECONDS,
        });
      throw error;
    }
  }

  private decide({ store, user, metadata }: CredentialContext, command: Command) {
    return this.streams.decide(store, user, (state, now) => decideBiometric({ ...command, metadata: { now } } as BiometricCommand, state), {
      metadata,
    });
  }
}
