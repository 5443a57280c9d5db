import {
  addIsoDuration,
  type ClientBiometricFailureReason,
  lockRunsAt,
  locked,
  notFound,
} from '@identity-store/contracts';
import {
  BiometricDeleted,
  BiometricEnrolled,
  type BiometricEvent,
  BiometricFailureRecorded,
  type BiometricUserState,
  evolveBiometric,
  FaceAuthenticationFailed,
  FaceAuthenticationSucceeded,
  initialBiometricUserState,
} from './biometric';

/**
 * The biometric decider (Emmett style): `decideBiometric(command, state) → events` over the
 * aggregate of ./biometric.ts. The clock (`metadata.now`), ids, the encrypted template and the
 * matcher's verdict (similarity and liveness scores, computed beforehand by the service from the
 * probe and the decrypted template) come in with the commands. Nothing here does I/O. While the
 * user's biometrics are locked every command is refused (423), so a lock cannot be undone by
 * enrolling another face.
 */

export interface BiometricCommandMetadata {
  now: Date;
}

/** The store's biometricPolicy, as the decisions use it. */
export interface BiometricRules {
  matchThreshold: number;
  livenessRequired: boolean;
  livenessThreshold: number;
  maxFailedAttempts: number;
  lockoutDuration: string;
}

export interface EnrolFace {
  type: 'EnrolFace';
  metadata: BiometricCommandMetadata;
  biometricId: string;
  encryptedTemplate: string;
  model: string;
  quality: { detection: number; width: number; height: number };
  context?: Record<string, unknown>;
}

/** What the matcher said of a probe against the enrolled template. */
export interface FaceVerdict {
  /** Cosine similarity of the probe's embedding to the template's. */
  score: number;
  /** Liveness (anti-spoofing) score of the probe, when the matcher computed one. */
  liveness: number | null;
}

export interface AuthenticateFace {
  type: 'AuthenticateFace';
  metadata: BiometricCommandMetadata;
  authenticationId: string;
  /** The enrolment the verdict was computed against (a re-enrolment since makes the decision stale). */
  biometricId: string;
  rules: BiometricRules;
  verdict: FaceVerdict;
  context?: Record<string, unknown>;
}

export interface RecordBiometricFailure {
  type: 'RecordBiometricFailure';
  metadata: BiometricCommandMetadata;
  authenticationId: string;
  reason: ClientBiometricFailureReason;
  rules: Pick<BiometricRules, 'maxFailedAttempts' | 'lockoutDuration'>;
  context?: Record<string, unknown>;
}

export interface DeleteBiometric {
  type: 'DeleteBiometric';
  metadata: BiometricCommandMetadata;
}

export type BiometricCommand = EnrolFace | AuthenticateFace | RecordBiometricFailure | DeleteBiometric;

const round = (score: number) => Math.round(score * 10_000) / 10_000;

/** 423 while the user's biometrics are locked (the service also checks before a costly analysis). */
export const requireUnlocked = (state: BiometricUserState, now: Date) => {
  if (lockRunsAt(state.lockedUntil, now))
    throw locked('BIOMETRIC_LOCKED', `The user's biometrics are locked until ${state.lockedUntil} after failed attempts.`);
};

/** The failure count after one more, and the lock it sets at the maximum (`maxFailedAttempts` ≤ 0: never). */
const nextFailure = (state: BiometricUserState, rules: Pick<BiometricRules, 'maxFailedAttempts' | 'lockoutDuration'>, now: Date) => {
  const failedAttempts = state.failedAttempts + 1;
  const locks = rules.maxFailedAttempts > 0 && failedAttempts >= rules.maxFailedAttempts;
  return { failedAttempts, lockedUntil: locks ? addIsoDuration(now, rules.lockoutDuration).toISOString() : null };
};

const contextOf = (command: { context?: Record<string, unknown> }) =>
  command.context !== undefined ? { context: command.context } : {};

export const decideBiometric = (command: BiometricCommand, state: BiometricUserState): BiometricEvent[] => {
  const { now } = command.metadata;
  const at = now.toISOString();
  // Deleting is the user's (or an administrator's) way out, locked or not.
  if (command.type === 'DeleteBiometric') {
    if (!state.face) throw notFound('BIOMETRIC_NOT_ENROLLED', 'The user has no face enrolled.');
    return [BiometricDeleted.create({ biometricId: state.face.biometricId, type: 'face', at })];
  }
  requireUnlocked(state, now);
  switch (command.type) {
    case 'EnrolFace':
      return [
        BiometricEnrolled.create({
          biometricId: command.biometricId,
          type: 'face',
          replacedBiometricId: state.face?.biometricId ?? null,
          quality: command.quality,
          model: command.model,
          encryptedTemplate: command.encryptedTemplate,
          at,
          ...contextOf(command),
        }),
      ];
    case 'AuthenticateFace': {
      const { face } = state;
      if (!face || face.biometricId !== command.biometricId)
        throw notFound('BIOMETRIC_NOT_ENROLLED', 'The user has no face enrolled (or it was replaced meanwhile).');
      const { rules, verdict } = command;
      const score = round(verdict.score);
      const liveness = verdict.liveness === null ? null : round(verdict.liveness);
      const common = {
        authenticationId: command.authenticationId,
        biometricId: face.biometricId,
        type: 'face' as const,
        threshold: rules.matchThreshold,
        liveness,
        at,
        ...contextOf(command),
      };
      // Liveness first: a spoof is refused as such whatever it resembles.
      const livenessFails = rules.livenessRequired && (liveness === null || liveness < rules.livenessThreshold);
      const reason = livenessFails ? 'LIVENESS' : score < rules.matchThreshold ? 'NO_MATCH' : null;
      if (reason)
        return [FaceAuthenticationFailed.create({ ...common, reason, score, ...nextFailure(state, rules, now) })];
      return [FaceAuthenticationSucceeded.create({ ...common, score })];
    }
    case 'RecordBiometricFailure':
      return [
        BiometricFailureRecorded.create({
          authenticationId: command.authenticationId,
          type: 'face',
          reason: command.reason,
          ...nextFailure(state, command.rules, now),
          at,
          ...contextOf(command),
        }),
      ];
    default: {
      const unknown: never = command;
      throw new Error(`Unknown biometric command: ${(unknown as { type: string }).type}`);
    }
  }
};

export const biometricDecider = { decide: decideBiometric, evolve: evolveBiometric, initialState: initialBiometricUserState };
