import { FACE_CONFIDENCE_FLOOR, FaceImageError } from './face-analysis';

/**
 * The image's one face among the detector's boxes: faces below FACE_CONFIDENCE_FLOOR count only
 * when no face passes it (then the image is LOW_QUALITY); more than one face at or above it is
 * MULTIPLE_FACES.
 */
export const theOneFace = <Face extends { boxScore: number }>(faces: Face[]): Face => {
  if (faces.length === 0) throw new FaceImageError('FACE_NOT_FOUND', 'No face was found in the image');
  const confident = faces.filter((face) => face.boxScore >= FACE_CONFIDENCE_FLOOR);
  if (confident.length > 1) throw new FaceImageError('MULTIPLE_FACES', `The image shows ${confident.length} faces; one is needed`);
  const [face] = confident;
  if (!face)
    throw new FaceImageError(
      'LOW_QUALITY',
      `The face was detected with confidence ${Math.max(...faces.map((f) => f.boxScore))}, below ${FACE_CONFIDENCE_FLOOR}`,
    );
  return face;
};
