import { cosineSimilarity } from './face-analyzer';

describe('cosineSimilarity', () => {
  it('is 1 for the same direction, −1 for the opposite, 0 for orthogonal embeddings', () => {
    const a = Float32Array.from([3, 4, 0]);
    expect(cosineSimilarity(a, Float32Array.from([6, 8, 0]))).toBeCloseTo(1, 6);
    expect(cosineSimilarity(a, Float32Array.from([-3, -4, 0]))).toBeCloseTo(-1, 6);
    expect(cosineSimilarity(a, Float32Array.from([0, 0, 5]))).toBeCloseTo(0, 6);
    expect(cosineSimilarity(a, Float32Array.from([4, 3, 0]))).toBeCloseTo(24 / 25, 6);
  });

  it('is 0 against a zero embedding and refuses embeddings of different lengths', () => {
    expect(cosineSimilarity(Float32Array.from([1, 2]), new Float32Array(2))).toBe(0);
    expect(() => cosineSimilarity(new Float32Array(1024), new Float32Array(128))).toThrow('1024 and 128');
  });
});
