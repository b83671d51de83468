import type { RgbImage } from '../../models/image.ts';

/**
 * Converts 32-bit pixels (B,G,R,x or R,G,B,x byte order, rows `stride` bytes apart) to packed RGB.
 * Screen grabbers hand back one of these two layouts; this is the only per-pixel work on the capture
 * path, so it reads whole rows through a 32-bit view instead of byte by byte.
 */
export function packedToRgb(
  src: Uint8Array,
  width: number,
  height: number,
  stride: number,
  order: 'bgra' | 'rgba',
): RgbImage {
  if (stride < width * 4 || src.length < stride * (height - 1) + width * 4) {
    throw new Error(
      `packedToRgb: ${src.length} bytes cannot hold ${width}x${height} pixels with a ${stride}-byte stride`,
    );
  }
  const out = new Uint8Array(width * height * 3);
  const aligned = src.byteOffset % 4 === 0 && stride % 4 === 0;
  const words = aligned ? new Uint32Array(src.buffer, src.byteOffset, (stride * height) >>> 2) : undefined;
  const bgra = order === 'bgra';
  let o = 0;
  for (let y = 0; y < height; y++) {
    if (words) {
      // Little-endian word: byte0 | byte1 << 8 | byte2 << 16.
      let w = (y * stride) >>> 2;
      const end = w + width;
      if (bgra) {
        for (; w < end; w++, o += 3) {
          const v = words[w];
          out[o] = (v >>> 16) & 0xff;
          out[o + 1] = (v >>> 8) & 0xff;
          out[o + 2] = v & 0xff;
        }
      } else {
        for (; w < end; w++, o += 3) {
          const v = words[w];
          out[o] = v & 0xff;
          out[o + 1] = (v >>> 8) & 0xff;
          out[o + 2] = (v >>> 16) & 0xff;
        }
      }
    } else {
      let i = y * stride;
      for (let x = 0; x < width; x++, i += 4, o += 3) {
        out[o] = src[bgra ? i + 2 : i];
        out[o + 1] = src[i + 1];
        out[o + 2] = src[bgra ? i : i + 2];
      }
    }
  }
  return { width, height, data: out };
}

/** Copies a rectangle out of an RGB image (used to cut one monitor out of a whole-screen grab). */
export function cropRgb(image: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > image.width || y + height > image.height) {
    throw new Error(
      `cropRgb: rectangle ${width}x${height}+${x}+${y} is not inside the ${image.width}x${image.height} image`,
    );
  }
  const out = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const start = ((y + row) * image.width + x) * 3;
    out.set(image.data.subarray(start, start + width * 3), row * width * 3);
  }
  return { width, height, data: out };
}
