import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import {
  FACE_MODEL,
  FaceImageError,
  MatcherBusyError,
  type FaceAnalysis,
  type FaceTask,
  type FaceTaskResult,
  type FaceWorkerStatus,
} from './face-analysis';

export interface FaceAnalyzer {
  /**
   * The image's one face; FaceImageError for bad input (not JPEG/PNG or truncated: INVALID_IMAGE;
   * more than MAX_IMAGE_PIXELS, refused from the header: IMAGE_TOO_LARGE; no face: FACE_NOT_FOUND;
   * several confident faces: MULTIPLE_FACES; face box smaller than minFaceSize or detection below
   * FACE_CONFIDENCE_FLOOR: LOW_QUALITY); MatcherBusyError when the queue is full.
   */
  analyze(image: Buffer, options: { minFaceSize: number }): Promise<FaceAnalysis>;
  /** Cosine similarity of two embeddings (−1…1). */
  similarity(a: Float32Array, b: Float32Array): number;
  /** Resolves once every worker has loaded the models (readiness); rejects if loading failed. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface FaceAnalyzerOptions {
  /** Worker threads, each with its own copy of the models (about 120 MB of memory each); default max(1, cpus − 1). */
  threads?: number;
  /** Analyses that may wait for a worker beyond the running ones; default 4 × threads. */
  maxQueue?: number;
}

/** Cosine similarity of two embeddings (−1…1); embeddings of different lengths are an error. */
export const cosineSimilarity = (a: Float32Array, b: Float32Array): number => {
  if (a.length !== b.length) throw new Error(`Embeddings of ${a.length} and ${b.length} values cannot be compared`);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
};

/**
 * Workers run the TypeScript sources like the apps do (`node --import tsx`): a worker inherits the
 * process's flags, and gets tsx added where the process has none (Jest, plain node).
 */
const workerExecArgv = () =>
  process.execArgv.some((flag) => flag.includes('tsx')) ? process.execArgv : [...process.execArgv, '--import', 'tsx'];

/**
 * A pool of worker threads that decode and analyse face images; the event loop only posts
 * messages. At most `threads` analyses run and `maxQueue` wait; more are refused with
 * MatcherBusyError rather than queued without bound.
 */
export const createFaceAnalyzer = (options: FaceAnalyzerOptions = {}): FaceAnalyzer => {
  const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
  const maxQueue = options.maxQueue ?? 4 * threads;
  const pool = new Piscina<FaceTask, FaceTaskResult>({
    filename: path.join(__dirname, 'face-worker.ts'),
    minThreads: threads,
    maxThreads: threads,
    // Workers hold the models: they stay for the pool's life instead of reloading after idling.
    idleTimeout: Infinity,
    // piscina's default ('sync') parks an idle worker in Atomics.wait, which would also freeze the
    // models' asynchronous loading: plain messages instead (microseconds against ~150 ms tasks).
    atomics: 'disabled',
    execArgv: workerExecArgv(),
  });
  // Counted here rather than through piscina's maxQueue, whose refusal is a bare Error message.
  const inFlight = new Set<Promise<FaceTaskResult>>();
  let closed = false;

  const loaded = new Promise<void>((resolve, reject) => {
    let workersLoaded = 0;
    pool.on('message', (status: FaceWorkerStatus) => {
      if (status.faceModels === 'failed') reject(new Error(`A face worker could not load the models: ${status.message}`));
      else if (status.faceModels === 'loaded' && ++workersLoaded === threads) resolve();
    });
    // A worker that dies outside a task (while loading): no task carries the error, readiness does.
    pool.on('error', reject);
  });
  // piscina unrefs its idle workers; until they have loaded, they keep the process alive, so that
  // awaiting ready() in a script does not end it.
  for (const worker of pool.threads) worker.ref();
  loaded.then(
    () => pool.threads.forEach((worker) => worker.unref()),
    () => pool.threads.forEach((worker) => worker.unref()),
  );

  return {
    async analyze(image, { minFaceSize }) {
      if (closed) throw new Error('The face analyzer is closed');
      if (inFlight.size >= threads + maxQueue) throw new MatcherBusyError();
      // A copy, transferred: the caller's Buffer may be a view of a larger pooled ArrayBuffer.
      const bytes = new Uint8Array(image);
      const task = pool.run({ image: bytes, minFaceSize }, { transferList: [bytes.buffer] });
      inFlight.add(task);
      let result: FaceTaskResult;
      try {
        result = await task;
      } finally {
        inFlight.delete(task);
      }
      if (!result.ok) throw new FaceImageError(result.code, result.message);
      return { ...result.analysis, model: FACE_MODEL };
    },
    similarity: cosineSimilarity,
    ready: () => loaded,
    /** Refuses new analyses, lets the running and queued ones finish, then ends the workers. */
    async close() {
      closed = true;
      await Promise.allSettled([...inFlight]);
      await pool.destroy();
    },
  };
};
