import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config, FaceResult, Human as HumanInstance } from '@vladmandic/human';
import type * as TfCore from '@tensorflow/tfjs-core';
import { FaceImageError, HUMAN_VERSION, type FaceTaskResult } from './face-analysis';
import type { DecodedImage } from './face-image';
import { theOneFace } from './face-selection';

/**
 * @vladmandic/human on TensorFlow.js's WASM backend, every model from the package's own files
 * (nothing is fetched). Three things make that work offline:
 * - the package's `exports` map has no `./` subpaths, so its WASM build is required by file path;
 * - `wasmPath` names the local @tensorflow/tfjs-backend-wasm/dist/ directory (else a CDN);
 * - Node's fetch has no `file://`, so a tfjs load router serves `file://` model URLs from disk.
 */
const HUMAN_DIST = path.dirname(require.resolve('@vladmandic/human'));
const MODELS_DIRECTORY = path.join(HUMAN_DIST, '..', 'models');
const WASM_DIRECTORY = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
const FILE_SCHEME = 'file://';

/** Detection boxes considered per image: enough to tell one face from several, few enough to stay fast. */
const MAX_DETECTED_FACES = 5;

/** No frame-to-frame caching (human is made for video): every image is analysed on its own. */
const NO_CACHING = { skipFrames: 0, skipTime: 0 };

const HUMAN_CONFIG: Partial<Config> = {
  backend: 'wasm',
  wasmPath: `${WASM_DIRECTORY}/`,
  modelBasePath: `${FILE_SCHEME}${MODELS_DIRECTORY}/`,
  cacheModels: false,
  cacheSensitivity: 0,
  warmup: 'none',
  debug: false,
  filter: { enabled: false },
  face: {
    enabled: true,
    // blazeface; `minConfidence` is the detector's own floor (FACE_CONFIDENCE_FLOOR is ours, above it).
    detector: { modelPath: 'blazeface.json', rotation: true, maxDetected: MAX_DETECTED_FACES, minConfidence: 0.2, ...NO_CACHING },
    // The mesh confirms each box (its face score) and straightens the crop faceres embeds.
    mesh: { enabled: true, modelPath: 'facemesh.json' },
    iris: { enabled: false },
    attention: { enabled: false },
    emotion: { enabled: false },
    gear: { enabled: false },
    description: { enabled: true, modelPath: 'faceres.json', ...NO_CACHING },
    antispoof: { enabled: true, modelPath: 'antispoof.json', ...NO_CACHING },
    liveness: { enabled: true, modelPath: 'liveness.json', ...NO_CACHING },
  },
  body: { enabled: false },
  hand: { enabled: false },
  object: { enabled: false },
  gesture: { enabled: false },
  segmentation: { enabled: false },
};

const REQUIRED_MODELS = ['blazeface', 'facemesh', 'faceres', 'antispoof', 'liveness'];

type Tf = typeof TfCore;

/** Serves `file://…/model.json` and its weight files to tfjs from disk. */
const registerFileModelLoader = (tf: Tf) => {
  const router = (url: string | string[]) => {
    if (typeof url !== 'string' || !url.startsWith(FILE_SCHEME)) return null;
    const modelFile = url.slice(FILE_SCHEME.length);
    return {
      load: async () =>
        tf.io.getModelArtifactsForJSON(JSON.parse(await readFile(modelFile, 'utf8')), async (manifest) => {
          const weights = await Promise.all(
            manifest.flatMap((group) => group.paths).map((file) => readFile(path.join(path.dirname(modelFile), file))),
          );
          const joined = Buffer.concat(weights);
          return [
            manifest.flatMap((group) => group.weights),
            joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength),
          ];
        }),
    };
  };
  // tfjs's router type omits the null a router answers for the URLs it does not handle.
  tf.io.registerLoadRouter(router as Parameters<Tf['io']['registerLoadRouter']>[0]);
};

export interface FaceModel {
  analyze(image: DecodedImage, minFaceSize: number): Promise<Extract<FaceTaskResult, { ok: true }>['analysis']>;
}

/** Loads human and its five face models (a few tenths of a second); rejects if any of them did not load. */
export const loadFaceModel = async (): Promise<FaceModel> => {
  const { Human } = require(path.join(HUMAN_DIST, 'human.node-wasm.js')) as { Human: new (config: Partial<Config>) => HumanInstance };
  const human = new Human(HUMAN_CONFIG);
  if (human.version !== HUMAN_VERSION)
    throw new Error(`@vladmandic/human ${human.version} is installed, FACE_MODEL names ${HUMAN_VERSION}: update both together`);
  const tf = human.tf as Tf;
  registerFileModelLoader(tf);
  await human.load();
  const missing = REQUIRED_MODELS.filter((name) => !human.models.loaded().includes(name));
  if (missing.length > 0) throw new Error(`Face models did not load: ${missing.join(', ')}`);
  return { analyze: (image, minFaceSize) => analyzeWith(human, tf, image, minFaceSize) };
};

const analyzeWith = async (human: HumanInstance, tf: Tf, image: DecodedImage, minFaceSize: number) => {
  const input = tf.tensor3d(image.pixels, [image.height, image.width, 3], 'int32');
  let faces: FaceResult[];
  try {
    const result = await human.detect(input);
    if (result.error) throw new Error(`Face analysis failed: ${result.error}`);
    faces = result.face;
  } finally {
    input.dispose();
  }
  const face = theOneFace(faces);
  const width = Math.round(face.box[2] * image.scale);
  const height = Math.round(face.box[3] * image.scale);
  if (width < minFaceSize || height < minFaceSize)
    throw new FaceImageError('LOW_QUALITY', `The face is ${width}×${height} pixels; at least ${minFaceSize} are needed`);
  if (!face.embedding || face.embedding.length === 0) throw new Error('The embedding model gave no embedding');
  const livenessScores = face.real !== undefined && face.live !== undefined ? { antispoof: face.real, liveness: face.live } : null;
  return {
    embedding: normalised(face.embedding),
    quality: { detection: face.boxScore, width, height },
    liveness: livenessScores && Math.min(livenessScores.antispoof, livenessScores.liveness),
    livenessScores,
  };
};

const normalised = (values: number[]): Float32Array => {
  const norm = Math.hypot(...values);
  if (!(norm > 0)) throw new Error('The embedding model gave a zero embedding');
  return Float32Array.from(values, (value) => value / norm);
};
