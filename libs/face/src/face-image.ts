import sharp from 'sharp';
import { FaceImageError, MAX_IMAGE_PIXELS } from './face-analysis';

/**
 * The longest side the models get: the detector works at 256 px and the embedding at 224 px of
 * the face, so 1024 px keeps a face of a quarter of the image at full model resolution.
 */
export const MAX_MODEL_SIDE = 1024;

const ACCEPTED_FORMATS = new Set(['jpeg', 'png']);

export interface DecodedImage {
  /** Row-major RGB, 8 bits per channel. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Pixels of the submitted (upright) image per decoded pixel: face boxes are reported in the former. */
  scale: number;
}

/**
 * JPEG or PNG bytes → upright RGB at most MAX_MODEL_SIDE on its longer side. The pixel count is
 * checked from the header first, so a 50-megapixel image is refused before anything is decoded;
 * truncated files fail (`failOn: 'truncated'`) instead of decoding to grey.
 */
export const decodeFaceImage = async (image: Uint8Array): Promise<DecodedImage> => {
  const header = await sharp(image)
    .metadata()
    .catch(() => {
      throw new FaceImageError('INVALID_IMAGE', 'The image is not a JPEG or PNG image');
    });
  if (!header.format || !ACCEPTED_FORMATS.has(header.format) || !header.width || !header.height)
    throw new FaceImageError('INVALID_IMAGE', `The image is not a JPEG or PNG image (${header.format})`);
  if (header.width * header.height > MAX_IMAGE_PIXELS)
    throw new FaceImageError(
      'IMAGE_TOO_LARGE',
      `The image has ${header.width}×${header.height} pixels; at most ${MAX_IMAGE_PIXELS / 1e6} megapixels are accepted`,
    );
  try {
    const { data, info } = await sharp(image, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated' })
      .autoOrient()
      .resize({ width: MAX_MODEL_SIDE, height: MAX_MODEL_SIDE, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      scale: Math.max(header.width, header.height) / Math.max(info.width, info.height),
    };
  } catch {
    throw new FaceImageError('INVALID_IMAGE', 'The image cannot be decoded (truncated or corrupt)');
  }
};
