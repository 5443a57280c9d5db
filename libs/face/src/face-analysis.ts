/**
 * What an analysis yields and how it fails: shared by the pool (main thread) and its workers.
 */

/** The human package whose shipped models make the embedding; a template compares only within one model. */
export const HUMAN_VERSION = '3.3.6';
export const FACE_MODEL = `human-${HUMAN_VERSION}/faceres`;

/** 25 megapixels: larger images are refused from their header, before any decoding. */
export const MAX_IMAGE_PIXELS = 25_000_000;

/**
 * Cosine similarity at or above which two embeddings are the same person: chosen from the measured
 * genuine and impostor distributions in docs/biometrics.md (tools/biometrics/face-scores.ts).
 */
export const DEFAULT_MATCH_THRESHOLD = 0.75;

/**
 * The detector's confidence (0–1) a face needs to count: below it a box is ignored when another face
 * passes, and an image whose only faces are below it is LOW_QUALITY. "Several faces" means more than
 * one face at or above it. Measured on the sample faces: single-face crops and their variants 0.71–0.94,
 * the detector's spurious extra boxes (hair, shadows) up to 0.54; people in group photos 0.54–0.93, so
 * a weakly detected second person can go uncounted (docs/biometrics.md).
 */
export const FACE_CONFIDENCE_FLOOR = 0.6;

export interface FaceAnalysis {
  /** The faceres embedding of the one face, L2-normalised (1024 values). */
  embedding: Float32Array;
  /** e.g. 'human-3.3.6/faceres' (templates compare only within one model). */
  model: string;
  /** detection: the detector's confidence (0–1); width, height: the face box in pixels of the submitted image. */
  quality: { detection: number; width: number; height: number };
  /**
   * 0–1, higher = more live: the lower of the two models' scores (antispoof and liveness), so a
   * face passes a liveness floor only if both models pass it. Null when the models gave no score.
   */
  liveness: number | null;
  /** The two scores `liveness` combines (each 0–1, higher = more live), for audits and tuning. */
  livenessScores: { antispoof: number; liveness: number } | null;
}

export type FaceImageErrorCode = 'INVALID_IMAGE' | 'IMAGE_TOO_LARGE' | 'FACE_NOT_FOUND' | 'MULTIPLE_FACES' | 'LOW_QUALITY';

/** The image cannot give one usable face: the caller's input is at fault (a 400 with the code). */
export class FaceImageError extends Error {
  override readonly name = 'FaceImageError';
  constructor(
    readonly code: FaceImageErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The bounded queue of the analysis pool is full: try again later (a 503 with Retry-After). */
export class MatcherBusyError extends Error {
  override readonly name = 'MatcherBusyError';
  constructor() {
    super('The face matcher is busy: every worker is analysing and the queue is full');
  }
}

/** What the main thread posts to a worker (the image's bytes are transferred, not copied). */
export interface FaceTask {
  image: Uint8Array;
  minFaceSize: number;
}

/** A worker's answer: errors cross the thread boundary as data (structured clone drops classes). */
export type FaceTaskResult =
  | { ok: true; analysis: Omit<FaceAnalysis, 'model'> }
  | { ok: false; code: FaceImageErrorCode; message: string };

/** What a worker posts once at start: whether its models loaded. */
export type FaceWorkerStatus = { faceModels: 'loaded' } | { faceModels: 'failed'; message: string };
