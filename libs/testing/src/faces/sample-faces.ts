import path from 'node:path';

/**
 * Face images for the biometric tests, derived at test time from the group photos that
 * @vladmandic/face-api (MIT) ships as demo/sample1.jpg … sample6.jpg: nothing binary is committed.
 * Each of the 22 faces is a different person; the boxes below were found once with the detector
 * (@vladmandic/human's blazeface + mesh) and are fixed here, in pixels of the sample.
 */
export interface SampleFace {
  /** Who it is: `s<sample>-<letter>`, one person each. */
  person: string;
  sample: number;
  box: { left: number; top: number; width: number; height: number };
}

const face = (sample: number, letter: string, [left, top, width, height]: [number, number, number, number]): SampleFace => ({
  person: `s${sample}-${letter}`,
  sample,
  box: { left, top, width, height },
});

export const SAMPLE_FACES: readonly SampleFace[] = [
  face(1, 'a', [330, 313, 358, 356]),
  face(1, 'b', [1431, 188, 279, 279]),
  face(1, 'c', [771, 379, 330, 332]),
  face(2, 'a', [1378, 105, 347, 347]),
  face(2, 'b', [274, 124, 324, 326]),
  face(2, 'c', [799, 188, 366, 364]),
  face(3, 'a', [518, 298, 354, 354]),
  face(3, 'b', [998, 188, 368, 368]),
  face(3, 'c', [1358, 251, 409, 409]),
  face(4, 'a', [613, 54, 278, 276]),
  face(4, 'b', [1215, 131, 308, 308]),
  face(4, 'c', [919, 159, 324, 324]),
  face(4, 'd', [171, 191, 304, 302]),
  face(5, 'a', [724, 94, 270, 270]),
  face(5, 'b', [518, 411, 306, 306]),
  face(5, 'c', [1046, 171, 321, 321]),
  face(5, 'd', [1322, 356, 394, 394]),
  face(5, 'e', [268, 848, 377, 377]),
  face(6, 'a', [176, 456, 360, 360]),
  face(6, 'b', [1084, 283, 362, 360]),
  face(6, 'c', [1401, 236, 379, 379]),
  face(6, 'd', [587, 308, 373, 373]),
];

/** How a variant differs from the face's base image (same person, other picture). */
export const FACE_VARIANTS = {
  tighterMargin: { margin: 0 },
  rotatedLeft: { rotate: -8 },
  rotatedRight: { rotate: 8 },
  darker: { brightness: 0.8 },
  brighter: { brightness: 1.25 },
  smaller: { scale: 0.6 },
  larger: { scale: 1.5 },
} as const;
export type FaceVariant = keyof typeof FACE_VARIANTS;

interface Derivation {
  margin?: number;
  rotate?: number;
  brightness?: number;
  scale?: number;
}

/** The base image's margin around the face box, as a fraction of the box's side. */
const BASE_MARGIN = 0.15;

const loadSharp = async () => (await import('sharp')).default;

const samplePath = (sample: number) =>
  path.join(path.dirname(require.resolve('@vladmandic/face-api')), '..', 'demo', `sample${sample}.jpg`);

/** A single-face JPEG of `face`: its base image, or a variant of it. */
export const sampleFaceImage = async (face: SampleFace, variant?: FaceVariant): Promise<Buffer> => {
  const { margin = BASE_MARGIN, rotate = 0, brightness = 1, scale = 1 }: Derivation = variant ? FACE_VARIANTS[variant] : {};
  const sharp = await loadSharp();
  const source = samplePath(face.sample);
  const { width: sampleWidth = 0, height: sampleHeight = 0 } = await sharp(source).metadata();
  const { left, top, width, height } = face.box;
  const x0 = Math.max(0, Math.round(left - margin * width));
  const y0 = Math.max(0, Math.round(top - margin * height));
  const x1 = Math.min(sampleWidth, Math.round(left + width * (1 + margin)));
  const y1 = Math.min(sampleHeight, Math.round(top + height * (1 + margin)));
  // Each step is its own pipeline: sharp applies extract before rotate and resize within one.
  let image = await sharp(source).extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 }).toBuffer();
  if (rotate !== 0) image = await sharp(image).rotate(rotate, { background: '#808080' }).toBuffer();
  if (scale !== 1) {
    const { width: w = 0 } = await sharp(image).metadata();
    image = await sharp(image).resize({ width: Math.round(w * scale) }).toBuffer();
  }
  return sharp(image).modulate({ brightness }).jpeg({ quality: 90 }).toBuffer();
};

/** A JPEG of `face` shrunk so that its face box is about `faceSide` pixels (a face too small to use). */
export const tinyFaceImage = async (face: SampleFace, faceSide: number): Promise<Buffer> => {
  const sharp = await loadSharp();
  const base = await sampleFaceImage(face);
  const { width = 0 } = await sharp(base).metadata();
  return sharp(base)
    .resize({ width: Math.round((width * faceSide) / face.box.width) })
    .jpeg({ quality: 90 })
    .toBuffer();
};

/** A whole sample photo (several people), at most 1600 px wide. */
export const groupFaceImage = async (sample = 5): Promise<Buffer> => {
  const sharp = await loadSharp();
  return sharp(samplePath(sample)).resize({ width: 1600, withoutEnlargement: true }).jpeg({ quality: 90 }).toBuffer();
};

/** A PNG without a face: a smooth two-colour gradient. */
export const noFaceImage = async (): Promise<Buffer> => {
  const sharp = await loadSharp();
  const width = 640;
  const height = 480;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 3;
      pixels[offset] = Math.round((255 * x) / width);
      pixels[offset + 1] = Math.round((255 * y) / height);
      pixels[offset + 2] = 128;
    }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
};

/** The first 60 % of a single-face JPEG: the header is intact, the image data ends early. */
export const truncatedFaceImage = async (): Promise<Buffer> => {
  const image = await sampleFaceImage(SAMPLE_FACES[0] as SampleFace);
  return image.subarray(0, Math.floor(image.length * 0.6));
};

/** Bytes that are no image at all. */
export const notAnImage = (): Buffer => Buffer.from('%PDF-1.7\nthis is a document, not a photo of a face\n');

/** 8000 × 6250 = 50 megapixels of one colour: a PNG of about 160 kB (generated in about 0.5 s, once). */
let hugePng: Promise<Buffer> | undefined;
export const hugePngImage = (): Promise<Buffer> =>
  (hugePng ??= loadSharp().then((sharp) =>
    sharp({ create: { width: 8000, height: 6250, channels: 3, background: { r: 90, g: 120, b: 200 } } })
      .png({ compressionLevel: 9 })
      .toBuffer(),
  ));
