import sharp from 'sharp';
import type { RgbImage } from '../../models/image.ts';
import { assertRgbImage } from './validate.ts';

export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

/**
 * Resizes to exactly width x height (aspect ratio is the caller's business: the coordinate mapper
 * needs the exact size the model saw). Default kernel lanczos3 keeps small UI text legible.
 */
export async function resizeRgb(
  image: RgbImage,
  width: number,
  height: number,
  kernel: ResizeKernel = 'lanczos3',
): Promise<RgbImage> {
  assertRgbImage(image, 'resizeRgb');
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new Error(`resizeRgb: target size must be positive integers, got ${width}x${height}`);
  }
  if (width === image.width && height === image.height) {
    return { width, height, data: image.data.slice() };
  }
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(`resizeRgb: sharp returned ${info.width}x${info.height}x${info.channels}, wanted ${width}x${height}x3`);
  }
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
