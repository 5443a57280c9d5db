/**
 * Face biometrics: one face per image → a 1024-d faceres embedding, its detection quality and a
 * liveness score, from @vladmandic/human's shipped models on TensorFlow.js's WASM backend, in a
 * bounded pool of worker threads (createFaceAnalyzer). Embeddings compare by cosine similarity
 * against DEFAULT_MATCH_THRESHOLD (measured in docs/biometrics.md).
 */
export {
  DEFAULT_MATCH_THRESHOLD,
  FACE_CONFIDENCE_FLOOR,
  FACE_MODEL,
  FaceImageError,
  MAX_IMAGE_PIXELS,
  MatcherBusyError,
  type FaceAnalysis,
  type FaceImageErrorCode,
} from './face-analysis';
export { cosineSimilarity, createFaceAnalyzer, type FaceAnalyzer, type FaceAnalyzerOptions } from './face-analyzer';
