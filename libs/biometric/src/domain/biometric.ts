import {
  biometricDeletedIntegrationSchema,
  biometricEnrolledIntegrationSchema,
  biometricFailureRecordedIntegrationSchema,
  biometricIntegrationEvents,
  defineEvent,
  type EventOf,
  faceAuthenticationFailedIntegrationSchema,
  faceAuthenticationSucceededIntegrationSchema,
  integrationFormOf,
  storedEventParser,
} from '@identity-store/contracts';
import { z } from 'zod';

/**
 * The biometric aggregate: one per user (stream `biometric-user-<userId>`), holding the user's face
 * enrolment (the template: an embedding, encrypted with the user and enrolment bound as associated
 * data) and the failures that lock the user's biometrics.
 *
 * Its stored events are private to the biometric service: they extend the integration events of
 * contracts (topic `identity-store.biometric`, same type names) with the template's ciphertext;
 * {@link toBiometricIntegrationEvent} is the only way from one to the other. Images are never kept.
 */

export const biometricStreamId = (userId: string): string => `biometric-user-${userId}`;
export const userIdOfBiometricStream = (streamId: string): string | undefined =>
  streamId.startsWith('biometric-user-') ? streamId.slice('biometric-user-'.length) : undefined;

export const biometricEnrolledSchema = biometricEnrolledIntegrationSchema.extend({
  /** The face embedding (Float32 little-endian), SecretBox ciphertext. */
  encryptedTemplate: z.string().min(1),
});

export const BiometricEnrolled = defineEvent('BiometricEnrolled', biometricEnrolledSchema);
export type BiometricEnrolled = EventOf<typeof BiometricEnrolled>;
export const FaceAuthenticationSucceeded = defineEvent('FaceAuthenticationSucceeded', faceAuthenticationSucceededIntegrationSchema);
export type FaceAuthenticationSucceeded = EventOf<typeof FaceAuthenticationSucceeded>;
export const FaceAuthenticationFailed = defineEvent('FaceAuthenticationFailed', faceAuthenticationFailedIntegrationSchema);
export type FaceAuthenticationFailed = EventOf<typeof FaceAuthenticationFailed>;
export const BiometricFailureRecorded = defineEvent('BiometricFailureRecorded', biometricFailureRecordedIntegrationSchema);
export type BiometricFailureRecorded = EventOf<typeof BiometricFailureRecorded>;
export const BiometricDeleted = defineEvent('BiometricDeleted', biometricDeletedIntegrationSchema);
export type BiometricDeleted = EventOf<typeof BiometricDeleted>;

export type BiometricEvent =
  | BiometricEnrolled
  | FaceAuthenticationSucceeded
  | FaceAuthenticationFailed
  | BiometricFailureRecorded
  | BiometricDeleted;

/** Stored event definitions by type, e.g. to parse events read back from the event store. */
export const biometricEvents = {
  BiometricEnrolled,
  FaceAuthenticationSucceeded,
  FaceAuthenticationFailed,
  BiometricFailureRecorded,
  BiometricDeleted,
} as const;

export const parseBiometricEvent = storedEventParser<BiometricEvent>(biometricEvents, 'biometric');

/** Fields of stored events that never leave the biometric service. */
const PRIVATE_FIELDS = ['encryptedTemplate'] as const;

/** A stored biometric event's integration event `{ type, version, data }` (see integrationFormOf). */
export const toBiometricIntegrationEvent = (event: BiometricEvent) =>
  integrationFormOf(biometricIntegrationEvents[event.type], event.data, PRIVATE_FIELDS);

// ---- state ------------------------------------------------------------------------------------

export interface FaceEnrolment {
  biometricId: string;
  encryptedTemplate: string;
  /** The embedding model: a probe is compared only with a template of the same model. */
  model: string;
  enrolledDtm: string;
  lastUsedDtm: string | null;
}

export interface BiometricUserState {
  face: FaceEnrolment | null;
  /** Consecutive failures (face authentications and failures the client recorded). */
  failedAttempts: number;
  lockedUntil: string | null;
}

export const initialBiometricUserState = (): BiometricUserState => ({ face: null, failedAttempts: 0, lockedUntil: null });

const failed = (state: BiometricUserState, { failedAttempts, lockedUntil }: { failedAttempts: number; lockedUntil: string | null }) => ({
  ...state,
  failedAttempts,
  lockedUntil: lockedUntil ?? state.lockedUntil,
});

export const evolveBiometric = (state: BiometricUserState, event: BiometricEvent): BiometricUserState => {
  switch (event.type) {
    case 'BiometricEnrolled': {
      const d = event.data;
      return {
        ...state,
        face: { biometricId: d.biometricId, encryptedTemplate: d.encryptedTemplate, model: d.model, enrolledDtm: d.at, lastUsedDtm: null },
      };
    }
    case 'FaceAuthenticationSucceeded':
      return {
        ...state,
        face: state.face && { ...state.face, lastUsedDtm: event.data.at },
        failedAttempts: 0,
        lockedUntil: null,
      };
    case 'FaceAuthenticationFailed':
    case 'BiometricFailureRecorded':
      return failed(state, event.data);
    case 'BiometricDeleted':
      return state.face?.biometricId === event.data.biometricId ? { ...state, face: null } : state;
    default:
      // Unknown event types (from newer versions) are ignored.
      return state;
  }
};
