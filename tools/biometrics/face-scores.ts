/**
 * Measures the face matcher with the real model (`npx tsx tools/biometrics/face-scores.ts`): the
 * cosine similarities of genuine pairs (any two images of one sample face: its base crop and its
 * variants) and impostor pairs (any two images of different people), false-accept and
 * false-reject rates at candidate thresholds, the liveness scores of the samples (all real photos)
 * and of synthetic recaptures, and the latency of an analysis. Prints the results and replaces the
 * generated section of docs/biometrics.md; the analysis around it is written by hand.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import {
  DEFAULT_MATCH_THRESHOLD,
  FACE_MODEL,
  FaceImageError,
  cosineSimilarity,
  createFaceAnalyzer,
  type FaceAnalysis,
  type FaceAnalyzer,
} from '@identity-store/face';
import { FACE_VARIANTS, SAMPLE_FACES, groupFaceImage, sampleFaceImage, type FaceVariant, type SampleFace } from '@identity-store/testing';

const BEGIN = '<!-- tools/biometrics/face-scores.ts: generated section begins -->';
const END = '<!-- tools/biometrics/face-scores.ts: generated section ends -->';
const DOC = path.resolve(__dirname, '../../docs/biometrics.md');

/** The smallest face the measured images have is ~130 px (the 0.6 scale variants): no size refusals here. */
const MIN_FACE_SIZE = 32;
const CANDIDATE_THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
const LIVENESS_FLOORS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
/** The margin the chosen threshold keeps above the highest impostor score. */
const IMPOSTOR_MARGIN = 0.05;

interface Analysed {
  person: string;
  image: string;
  analysis: FaceAnalysis;
  ms: number;
  /** The image's longer side in pixels. */
  side: number;
}

const quantile = (sorted: number[], q: number): number => {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const low = sorted[below] as number;
  const high = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return low + (high - low) * (position - below);
};

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    min: sorted[0] as number,
    p5: quantile(sorted, 0.05),
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: sorted[sorted.length - 1] as number,
  };
};

const f2 = (value: number) => value.toFixed(2);
const f3 = (value: number) => value.toFixed(3);
const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} % (${part}/${whole})`;

const summaryRow = (label: string, values: number[], format = f3) => {
  const s = summary(values);
  return `| ${label} | ${s.count} | ${format(s.min)} | ${format(s.p5)} | ${format(s.median)} | ${format(s.p95)} | ${format(s.max)} |`;
};
const SUMMARY_HEADER = ['| | count | min | p5 | median | p95 | max |', '|---|---|---|---|---|---|---|'];

/** Counts per 0.05-wide bin of cosine similarity, genuine and impostor side by side. */
const histogram = (genuine: number[], impostor: number[]): string[] => {
  const width = 0.05;
  const lowest = Math.floor(Math.min(...genuine, ...impostor) / width);
  const bins: string[] = ['| similarity | genuine pairs | impostor pairs |', '|---|---|---|'];
  for (let bin = lowest; bin * width < 1; bin++) {
    const from = bin * width;
    const inBin = (value: number) => value >= from - 1e-9 && (value < from + width - 1e-9 || (bin + 1) * width >= 1);
    bins.push(`| ${f2(from)} – ${f2(from + width)} | ${genuine.filter(inBin).length} | ${impostor.filter(inBin).length} |`);
  }
  return bins;
};

/**
 * Stand-ins for presentation attacks, made from a sample face: a screen replay (the image
 * pixelated, behind an RGB sub-pixel stripe mask, in a black bezel) and a print (washed-out
 * colours, paper grain, a white border). Synthetic: no camera saw a screen or paper.
 */
const syntheticRecaptures = async (image: Buffer): Promise<Record<'screen' | 'print', Buffer>> => {
  const { width = 0, height = 0 } = await sharp(image).metadata();
  const stripes = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const column = (i % width) % 3;
    for (let channel = 0; channel < 3; channel++) stripes[i * 3 + channel] = channel === column ? 255 : 190;
  }
  const pixelated = await sharp(image)
    .resize({ width: Math.round(width / 2) })
    .resize({ width, height, kernel: 'nearest' })
    .toBuffer();
  const bezel = Math.round(width * 0.08);
  const screen = await sharp(pixelated)
    .composite([{ input: stripes, raw: { width, height, channels: 3 }, blend: 'multiply' }])
    .modulate({ brightness: 1.3 })
    .extend({ top: bezel, bottom: bezel, left: bezel, right: bezel, background: '#101010' })
    .jpeg({ quality: 85 })
    .toBuffer();
  const grain = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < grain.length; i += 3) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    grain.fill(100 + (seed % 56), i, i + 3);
  }
  const border = Math.round(width * 0.06);
  const print = await sharp(image)
    .modulate({ saturation: 0.6 })
    .linear(0.75, 40)
    .composite([{ input: grain, raw: { width, height, channels: 3 }, blend: 'soft-light' }])
    .extend({ top: border, bottom: border, left: border, right: border, background: '#f4f1ea' })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { screen, print };
};

const longerSide = async (bytes: Buffer) => {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  return Math.max(width, height);
};

const analyse = async (analyzer: FaceAnalyzer, person: string, image: string, bytes: Buffer): Promise<Analysed> => {
  const started = performance.now();
  const analysis = await analyzer.analyze(bytes, { minFaceSize: MIN_FACE_SIZE });
  return { person, image, analysis, ms: performance.now() - started, side: await longerSide(bytes) };
};

const faceImages = async (face: SampleFace): Promise<[string, Buffer][]> => [
  ['base', await sampleFaceImage(face)],
  ...(await Promise.all(
    (Object.keys(FACE_VARIANTS) as FaceVariant[]).map(async (variant): Promise<[string, Buffer]> => [variant, await sampleFaceImage(face, variant)]),
  )),
];

const main = async () => {
  const analyzer = createFaceAnalyzer();
  const loadStarted = performance.now();
  await analyzer.ready();
  const loadMs = performance.now() - loadStarted;

  // One analysis at a time, so each duration is one analysis (decode included), not queueing.
  const analysed: Analysed[] = [];
  const recaptures: { kind: string; analysis: FaceAnalysis }[] = [];
  const refusedRecaptures: string[] = [];
  for (const face of SAMPLE_FACES) {
    const images = await faceImages(face);
    for (const [image, bytes] of images) analysed.push(await analyse(analyzer, face.person, image, bytes));
    const base = images[0]?.[1] as Buffer;
    for (const [kind, bytes] of Object.entries(await syntheticRecaptures(base))) {
      try {
        recaptures.push({ kind, analysis: await analyzer.analyze(bytes, { minFaceSize: MIN_FACE_SIZE }) });
      } catch (error) {
        if (!(error instanceof FaceImageError)) throw error;
        refusedRecaptures.push(`${face.person} ${kind}: ${error.code}`);
      }
    }
    process.stdout.write(`${face.person} `);
  }
  process.stdout.write('\n');
  const group = await groupFaceImage();
  const groupStarted = performance.now();
  const groupOutcome = await analyzer.analyze(group, { minFaceSize: MIN_FACE_SIZE }).then(
    () => 'one face',
    (error: Error) => (error instanceof FaceImageError ? error.code : error.message),
  );
  const groupMs = performance.now() - groupStarted;
  await analyzer.close();

  const genuine: number[] = [];
  const impostor: number[] = [];
  let hardestImpostor = { score: -1, pair: '' };
  let hardestGenuine = { score: 2, pair: '' };
  for (let i = 0; i < analysed.length; i++)
    for (let j = i + 1; j < analysed.length; j++) {
      const a = analysed[i] as Analysed;
      const b = analysed[j] as Analysed;
      const score = cosineSimilarity(a.analysis.embedding, b.analysis.embedding);
      const pair = `${a.person} ${a.image} / ${b.person} ${b.image}`;
      if (a.person === b.person) {
        genuine.push(score);
        if (score < hardestGenuine.score) hardestGenuine = { score, pair };
      } else {
        impostor.push(score);
        if (score > hardestImpostor.score) hardestImpostor = { score, pair };
      }
    }

  const impostorMax = Math.max(...impostor);
  const recommended = Math.ceil((impostorMax + IMPOSTOR_MARGIN) * 20 - 1e-9) / 20;
  const rates = (threshold: number) => ({
    falseAccepts: impostor.filter((score) => score >= threshold).length,
    falseRejects: genuine.filter((score) => score < threshold).length,
  });
  const thresholds = [...new Set([...CANDIDATE_THRESHOLDS, DEFAULT_MATCH_THRESHOLD, recommended])].sort((a, b) => a - b);

  const latencies = analysed.map((a) => a.ms).sort((a, b) => a - b);
  const sides = analysed.map((a) => a.side);
  const { width: groupWidth, height: groupHeight } = await sharp(group).metadata();
  const antispoof = analysed.map((a) => a.analysis.livenessScores?.antispoof ?? Number.NaN);
  const liveness = analysed.map((a) => a.analysis.livenessScores?.liveness ?? Number.NaN);
  const combined = analysed.map((a) => a.analysis.liveness ?? Number.NaN);
  const recaptureScores = (kind: string) => recaptures.filter((r) => r.kind === kind).map((r) => r.analysis);

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const section = [
    BEGIN,
    `## Measured by \`tools/biometrics/face-scores.ts\` (${new Date().toISOString()})`,
    '',
    `- Model: \`${FACE_MODEL}\` (1024-d embedding, L2-normalised; cosine similarity). Machine: ${os.cpus().length} × ${cpu}, Node ${process.version}; one worker thread (the default on 2 cores), one analysis at a time.`,
    `- Images: the ${SAMPLE_FACES.length} faces of @vladmandic/face-api's demo/sample1–6.jpg (${SAMPLE_FACES.length} people), each as a base crop (face box + 15 % margin) and ${Object.keys(FACE_VARIANTS).length} variants (${Object.keys(FACE_VARIANTS).join(', ')}): ${analysed.length} images, every one analysed to exactly one face.`,
    `- Genuine pairs: any two images of one person (${genuine.length}); impostor pairs: any two images of different people (${impostor.length}).`,
    '',
    '### Similarity distributions',
    '',
    ...SUMMARY_HEADER,
    summaryRow('genuine', genuine),
    summaryRow('impostor', impostor),
    '',
    `Lowest genuine pair: ${f3(hardestGenuine.score)} (${hardestGenuine.pair}). Highest impostor pair: ${f3(hardestImpostor.score)} (${hardestImpostor.pair}).`,
    '',
    ...histogram(genuine, impostor),
    '',
    '### False accepts and false rejects by threshold (a match is similarity ≥ threshold)',
    '',
    '| threshold | false accepts (impostor pairs ≥ threshold) | false rejects (genuine pairs < threshold) |',
    '|---|---|---|',
    ...thresholds.map((threshold) => {
      const { falseAccepts, falseRejects } = rates(threshold);
      const marks = [threshold === DEFAULT_MATCH_THRESHOLD ? 'DEFAULT_MATCH_THRESHOLD' : '', threshold === recommended ? 'rule' : '']
        .filter(Boolean)
        .join(', ');
      return `| ${f2(threshold)}${marks ? ` (${marks})` : ''} | ${percent(falseAccepts, impostor.length)} | ${percent(falseRejects, genuine.length)} |`;
    }),
    '',
    `Rule: the lowest multiple of 0.05 at least ${IMPOSTOR_MARGIN} above the highest impostor score (${f3(impostorMax)}): ${f2(recommended)}. DEFAULT_MATCH_THRESHOLD is ${DEFAULT_MATCH_THRESHOLD}${DEFAULT_MATCH_THRESHOLD === recommended ? ', as the rule gives' : `; the rule gives ${f2(recommended)} on this run`}.`,
    '',
    '### Liveness (antispoof and liveness models; `liveness` = the lower of the two)',
    '',
    ...SUMMARY_HEADER,
    summaryRow(`antispoof, ${analysed.length} real photos`, antispoof, f2),
    summaryRow(`liveness model, ${analysed.length} real photos`, liveness, f2),
    summaryRow(`combined, ${analysed.length} real photos`, combined, f2),
    ...(['screen', 'print'] as const).flatMap((kind) => {
      const scores = recaptureScores(kind);
      return scores.length === 0
        ? []
        : [
            summaryRow(`antispoof, ${scores.length} synthetic ${kind} recaptures`, scores.map((a) => a.livenessScores?.antispoof ?? Number.NaN), f2),
            summaryRow(`liveness model, ${scores.length} synthetic ${kind} recaptures`, scores.map((a) => a.livenessScores?.liveness ?? Number.NaN), f2),
            summaryRow(`combined, ${scores.length} synthetic ${kind} recaptures`, scores.map((a) => a.liveness ?? Number.NaN), f2),
          ];
    }),
    '',
    refusedRecaptures.length > 0 ? `Recaptures refused before scoring: ${refusedRecaptures.join('; ')}.` : 'Every synthetic recapture was analysed to one face.',
    '',
    '| liveness floor | real photos refused | synthetic screen recaptures passing | synthetic print recaptures passing |',
    '|---|---|---|---|',
    ...LIVENESS_FLOORS.map((floor) => {
      const passing = (kind: string) => {
        const scores = recaptureScores(kind);
        return percent(scores.filter((a) => (a.liveness ?? 0) >= floor).length, scores.length);
      };
      return `| ${f2(floor)} | ${percent(combined.filter((score) => score < floor).length, combined.length)} | ${passing('screen')} | ${passing('print')} |`;
    }),
    '',
    '### Latency',
    '',
    `- Loading the models: ${loadMs.toFixed(0)} ms (every worker at once, in parallel).`,
    `- One single-face analysis (decode, detection, mesh, embedding, antispoof, liveness; images of ${Math.min(...sides)}–${Math.max(...sides)} px on their longer side), as the caller of analyze() sees it: p50 ${quantile(latencies, 0.5).toFixed(0)} ms, p95 ${quantile(latencies, 0.95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms.`,
    `- A ${groupWidth} × ${groupHeight} group photo (sample5, decoded to at most 1024 px; every face is modelled before the refusal): ${groupMs.toFixed(0)} ms → ${groupOutcome}.`,
    END,
  ].join('\n');

  process.stdout.write(`${section}\n`);
  const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  const doc =
    current.includes(BEGIN) && current.includes(END)
      ? current.slice(0, current.indexOf(BEGIN)) + section + current.slice(current.indexOf(END) + END.length)
      : `# Face biometrics\n\n${section}\n`;
  writeFileSync(DOC, doc);
  process.stdout.write('wrote docs/biometrics.md\n');
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
