import { FACE_CONFIDENCE_FLOOR, FaceImageError } from './face-analysis';
import { theOneFace } from './face-selection';

const faces = (...scores: number[]) => scores.map((boxScore, index) => ({ boxScore, index }));
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof FaceImageError ? error.code : error;
  }
  return 'no error';
};

describe('theOneFace', () => {
  it('takes the only confident face, ignoring weaker boxes', () => {
    expect(theOneFace(faces(0.3, 0.88, FACE_CONFIDENCE_FLOOR - 0.01)).index).toBe(1);
    expect(theOneFace(faces(FACE_CONFIDENCE_FLOOR)).index).toBe(0);
  });

  it('refuses an image without faces', () => {
    expect(codeOf(() => theOneFace([]))).toBe('FACE_NOT_FOUND');
  });

  it('refuses several confident faces', () => {
    expect(codeOf(() => theOneFace(faces(0.9, FACE_CONFIDENCE_FLOOR, 0.2)))).toBe('MULTIPLE_FACES');
  });

  it('refuses an image whose faces are all below the confidence floor', () => {
    expect(codeOf(() => theOneFace(faces(FACE_CONFIDENCE_FLOOR - 0.01, 0.25)))).toBe('LOW_QUALITY');
  });
});
