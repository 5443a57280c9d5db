/**
 * A piscina worker: loads the face models once at start (reporting the outcome to the pool, which
 * makes readiness of it), then decodes and analyses one image per task.
 */
import { parentPort } from 'node:worker_threads';
import { FaceImageError, type FaceTask, type FaceTaskResult, type FaceWorkerStatus } from './face-analysis';
import { decodeFaceImage } from './face-image';
import { loadFaceModel } from './face-model';

const report = (status: FaceWorkerStatus) => parentPort?.postMessage(status);

const model = loadFaceModel();
model.then(
  () => report({ faceModels: 'loaded' }),
  (error: Error) => report({ faceModels: 'failed', message: error.message }),
);

export default async function analyzeFaceTask({ image, minFaceSize }: FaceTask): Promise<FaceTaskResult> {
  try {
    const decoded = await decodeFaceImage(image);
    return { ok: true, analysis: await (await model).analyze(decoded, minFaceSize) };
  } catch (error) {
    if (error instanceof FaceImageError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}
