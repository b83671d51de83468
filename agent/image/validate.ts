import type { RgbImage } from '../../models/image.ts';

/** Throws a message naming the caller and the bad field when an RgbImage is malformed. */
export function assertRgbImage(image: RgbImage, where: string): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new Error(`${where}: image size must be positive integers, got ${width}x${height}`);
  }
  if (!(data instanceof Uint8Array)) throw new Error(`${where}: image.data must be a Uint8Array`);
  if (data.length !== width * height * 3) {
    throw new Error(
      `${where}: image.data has ${data.length} bytes but a ${width}x${height} RGB image needs ${width * height * 3}`,
    );
  }
}
