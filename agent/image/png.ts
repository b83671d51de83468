import sharp, { type OutputInfo } from 'sharp';
import type { RgbImage } from '../../models/image.ts';
import { assertRgbImage } from './validate.ts';

/**
 * Encodes an RGB image as PNG. Level 3 keeps a 1920x1080 screenshot fast on one core while staying
 * within a few percent of the smallest file; traces write one of these per step.
 */
export async function encodePng(image: RgbImage, compressionLevel = 3): Promise<Buffer> {
  assertRgbImage(image, 'encodePng');
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel })
    .toBuffer();
}

/**
 * Decodes a PNG (any bit depth or colour type: grey, palette, alpha, 16-bit) into 8-bit RGB.
 * Alpha is dropped after compositing on black, which is what a screenshot with no transparency means.
 */
export async function decodePng(png: Uint8Array, source = 'PNG data'): Promise<RgbImage> {
  if (png.length < 8 || png[0] !== 0x89 || png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) {
    throw new Error(`${source} is not a PNG file (missing the PNG signature); pass the bytes of a .png file`);
  }
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(png)
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new Error(`${source} could not be decoded as PNG: ${(error as Error).message}`);
  }
  const { data, info } = decoded;
  if (info.channels !== 3) {
    throw new Error(`${source} decoded to ${info.channels} channels where 3 (RGB) were expected`);
  }
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
