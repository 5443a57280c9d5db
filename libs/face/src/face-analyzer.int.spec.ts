import {
  FACE_VARIANTS,
  SAMPLE_FACES,
  groupFaceImage,
  hugePngImage,
  noFaceImage,
  notAnImage,
  sampleFaceImage,
  tinyFaceImage,
  truncatedFaceImage,
  type FaceVariant,
  type SampleFace,
} from '@identity-store/testing';
import {
  DEFAULT_MATCH_THRESHOLD,
  FACE_CONFIDENCE_FLOOR,
  FACE_MODEL,
  FaceImageError,
  MatcherBusyError,
  createFaceAnalyzer,
  type FaceAnalysis,
  type FaceAnalyzer,
} from './index';

/** The real model in worker threads: each analysis of a face crop costs ~150 ms of one core. */
const MIN_FACE_SIZE = 64;
const person = (id: string) => SAMPLE_FACES.find((face) => face.person === id) as SampleFace;
const VARIANTS = Object.keys(FACE_VARIANTS) as FaceVariant[];

const rejection = (analysis: Promise<unknown>) =>
  analysis.then(
    () => 'analysed',
    (error: unknown) => (error instanceof FaceImageError ? error.code : error instanceof MatcherBusyError ? 'busy' : error),
  );

describe('face analyzer (human faceres on the WASM backend, in worker threads)', () => {
  let analyzer: FaceAnalyzer;
  const analyses = new Map<string, Promise<FaceAnalysis>>();
  const analysisOf = (face: SampleFace, variant?: FaceVariant) => {
    const key = `${face.person} ${variant ?? 'base'}`;
    if (!analyses.has(key))
      analyses.set(key, sampleFaceImage(face, variant).then((image) => analyzer.analyze(image, { minFaceSize: MIN_FACE_SIZE })));
    return analyses.get(key) as Promise<FaceAnalysis>;
  };

  beforeAll(async () => {
    analyzer = createFaceAnalyzer({ threads: 2 });
    await analyzer.ready();
  });
  afterAll(() => analyzer.close());

  it('analyses a face: a unit-length 1024-d embedding, its model, the face box and liveness scores', async () => {
    const face = person('s1-a');
    const analysis = await analysisOf(face);
    expect(analysis.model).toBe(FACE_MODEL);
    // Structured-cloned from the worker into Node's realm, not Jest's: compare by name.
    expect(analysis.embedding.constructor.name).toBe('Float32Array');
    expect(analysis.embedding).toHaveLength(1024);
    expect(Math.hypot(...analysis.embedding)).toBeCloseTo(1, 5);
    expect(analysis.quality.detection).toBeGreaterThanOrEqual(FACE_CONFIDENCE_FLOOR);
    expect(analysis.quality.detection).toBeLessThanOrEqual(1);
    // The crop holds the face box found once in the sample (+ margin): the face is about that size.
    expect(analysis.quality.width).toBeGreaterThan(face.box.width * 0.6);
    expect(analysis.quality.width).toBeLessThan(face.box.width * 1.2);
    expect(analysis.quality.height).toBeGreaterThan(face.box.height * 0.6);
    const scores = analysis.livenessScores as { antispoof: number; liveness: number };
    expect(analysis.liveness).toBe(Math.min(scores.antispoof, scores.liveness));
    for (const score of [scores.antispoof, scores.liveness]) {
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
  });

  it.each(['s1-a', 's5-d'])('matches %s with every variant of its image (margin, rotation, brightness, scale)', async (id) => {
    const face = person(id);
    const base = await analysisOf(face);
    const scores = await Promise.all(
      VARIANTS.map(async (variant) => [variant, analyzer.similarity(base.embedding, (await analysisOf(face, variant)).embedding)] as const),
    );
    for (const [variant, score] of scores) expect({ variant, matches: score >= DEFAULT_MATCH_THRESHOLD }).toEqual({ variant, matches: true });
  });

  it('tells different people apart, the most similar pair of the measured samples included', async () => {
    // One person of each sample; s1-b and s3-b are the closest impostors in docs/biometrics.md.
    const people = ['s1-a', 's1-b', 's2-c', 's3-b', 's4-d', 's5-d', 's6-a'].map(person);
    const embeddings = await Promise.all(people.map(async (face) => (await analysisOf(face)).embedding));
    for (let i = 0; i < people.length; i++)
      for (let j = i + 1; j < people.length; j++) {
        const pair = `${people[i]?.person} / ${people[j]?.person}`;
        const score = analyzer.similarity(embeddings[i] as Float32Array, embeddings[j] as Float32Array);
        expect({ pair, matches: score >= DEFAULT_MATCH_THRESHOLD }).toEqual({ pair, matches: false });
      }
  });

  it.each([
    ['bytes that are no image', 'INVALID_IMAGE', async () => notAnImage()],
    ['a truncated JPEG', 'INVALID_IMAGE', truncatedFaceImage],
    ['a 50-megapixel PNG', 'IMAGE_TOO_LARGE', hugePngImage],
    // Only the header of the 50-megapixel PNG: refused as too large, so the header alone decided.
    ['the first kilobyte of a 50-megapixel PNG', 'IMAGE_TOO_LARGE', async () => (await hugePngImage()).subarray(0, 1024)],
    ['a gradient without a face', 'FACE_NOT_FOUND', noFaceImage],
    ['a group photo', 'MULTIPLE_FACES', () => groupFaceImage()],
    ['a face of about 40 px (minFaceSize 64)', 'LOW_QUALITY', () => tinyFaceImage(person('s3-c'), 40)],
  ])('refuses %s: %s', async (_label, code, image) => {
    expect(await rejection(analyzer.analyze(await image(), { minFaceSize: MIN_FACE_SIZE }))).toBe(code);
  });

  it('accepts that tiny face when minFaceSize allows it', async () => {
    const analysis = await analyzer.analyze(await tinyFaceImage(person('s3-c'), 40), { minFaceSize: 16 });
    expect(analysis.quality.width).toBeLessThan(MIN_FACE_SIZE);
  });

  it('keeps the event loop free while the workers analyse', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    try {
      const group = await groupFaceImage();
      // Several faces each: the longest analyses there are (detection, mesh and models per face).
      await Promise.all([1, 2].map(() => rejection(analyzer.analyze(group, { minFaceSize: MIN_FACE_SIZE }))));
    } finally {
      clearInterval(ticker);
    }
    expect(ticks).toBeGreaterThan(5);
  });
});

describe('face analyzer: bounded queue, readiness and close', () => {
  it('refuses analyses beyond the running ones and the queue with MatcherBusyError, and finishes the rest on close', async () => {
    const analyzer = createFaceAnalyzer({ threads: 1, maxQueue: 1 });
    await expect(analyzer.ready()).resolves.toBeUndefined();
    const image = await sampleFaceImage(person('s6-a'), 'smaller');
    // One runs, one waits, the next two are refused at once.
    const outcomes = [1, 2, 3, 4].map(() => rejection(analyzer.analyze(image, { minFaceSize: MIN_FACE_SIZE })));
    const closed = analyzer.close();
    expect(await Promise.all(outcomes)).toEqual(['analysed', 'analysed', 'busy', 'busy']);
    await closed;
    await expect(analyzer.analyze(image, { minFaceSize: MIN_FACE_SIZE })).rejects.toThrow();
  });
});
