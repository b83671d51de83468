/**
 * Kimi-VL image preprocessing (the reference processor's algorithm).
 *
 * Input: RgbImage(s) and the package's preprocessor_config.json.
 * Output: pixel values float32 [sum L, 3, 14, 14] (patches in row-major grid order, each patch in
 * (channel, y, x) order, values (x/255 - mean)/std) and each image's patch grid (gridH, gridW).
 * Steps: downscale with PIL-identical bicubic when floor(w/14)*floor(h/14) > in_token_limit, pad
 * right/bottom with black to multiples of 28, normalise, patchify. Image tokens = gridH*gridW/4.
 */
import { readFileSync } from 'node:fs';
import type { RgbImage } from '../image.ts';
import { resizeBicubicPil } from './pil-resize.ts';

export interface KimiImageConfig {
  patchSize: number;
  mergeKernel: [number, number];
  inTokenLimit: number;
  imageMean: [number, number, number];
  imageStd: [number, number, number];
  rescaleFactor: number;
}

/** The 2-D RoPE table of MoonViT covers 512x512 patches. */
export const MAX_GRID_SIDE = 512;

/** Kimi-VL-A3B-Instruct's preprocessor_config.json values. */
export const KIMI_VL_IMAGE_DEFAULTS: KimiImageConfig = {
  patchSize: 14,
  mergeKernel: [2, 2],
  inTokenLimit: 4096,
  imageMean: [0.5, 0.5, 0.5],
  imageStd: [0.5, 0.5, 0.5],
  rescaleFactor: 1 / 255,
};

/** Parses and validates preprocessor_config.json text; `file` names it in errors. */
export function parseImageConfig(text: string, file = 'preprocessor_config.json'): KimiImageConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const fail = (field: string, why: string): never => {
    throw new Error(`${file}: field "${field}" ${why} (got ${JSON.stringify(raw[field])})`);
  };
  const posInt = (field: string): number => {
    const v = raw[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(field, 'must be a positive integer');
    return v as number;
  };
  const triple = (field: string, fallback: [number, number, number]): [number, number, number] => {
    const v = raw[field] ?? fallback;
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      fail(field, 'must be three numbers (R, G, B)');
    }
    return v as [number, number, number];
  };
  const patchSize = posInt('patch_size');
  const kernel = raw.merge_kernel_size;
  if (!Array.isArray(kernel) || kernel.length !== 2 || kernel[0] !== 2 || kernel[1] !== 2) {
    fail('merge_kernel_size', 'must be [2, 2] (the only merge this runtime implements)');
  }
  const inTokenLimit = posInt('in_token_limit');
  if (raw.pad_input !== undefined && raw.pad_input !== true) {
    fail('pad_input', 'must be true (cropping instead of padding is not implemented)');
  }
  const imageStd = triple('image_std', [0.5, 0.5, 0.5]);
  if (imageStd.some((s) => s === 0)) fail('image_std', 'must not contain 0');
  const rescale = raw.rescale_factor ?? 1 / 255;
  if (typeof rescale !== 'number' || !(rescale > 0)) fail('rescale_factor', 'must be a positive number');
  return {
    patchSize,
    mergeKernel: [2, 2],
    inTokenLimit,
    imageMean: triple('image_mean', [0.5, 0.5, 0.5]),
    imageStd,
    rescaleFactor: rescale as number,
  };
}

export function loadImageConfig(file: string): KimiImageConfig {
  return parseImageConfig(readFileSync(file, 'utf8'), file);
}

export interface ImageGeometry {
  /** Size after the optional downscale. */
  resizedWidth: number;
  resizedHeight: number;
  /** Size after padding to multiples of patch*merge. */
  paddedWidth: number;
  paddedHeight: number;
  gridH: number;
  gridW: number;
  /** Tokens this image takes in the prompt: gridH*gridW/4. */
  tokens: number;
}

/** Sizes and token count for an image of this size; no pixels touched. Throws for grids over 512. */
export function imageGeometry(width: number, height: number, config: KimiImageConfig = KIMI_VL_IMAGE_DEFAULTS): ImageGeometry {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const p = config.patchSize;
  let resizedWidth = width;
  let resizedHeight = height;
  const patches = Math.floor(width / p) * Math.floor(height / p);
  if (patches > config.inTokenLimit) {
    // Same double-precision steps as the reference: sqrt of the ratio, then truncation.
    const scale = Math.sqrt(config.inTokenLimit / patches);
    resizedWidth = Math.max(1, Math.trunc(width * scale));
    resizedHeight = Math.max(1, Math.trunc(height * scale));
  }
  const unitH = p * config.mergeKernel[0];
  const unitW = p * config.mergeKernel[1];
  const paddedWidth = Math.ceil(resizedWidth / unitW) * unitW;
  const paddedHeight = Math.ceil(resizedHeight / unitH) * unitH;
  const gridH = paddedHeight / p;
  const gridW = paddedWidth / p;
  if (gridH >= MAX_GRID_SIDE || gridW >= MAX_GRID_SIDE) {
    throw new RangeError(
      `image ${width}x${height} gives a ${gridH}x${gridW} patch grid; each side must stay below ${MAX_GRID_SIDE} ` +
        `(the vision model's position table). Crop or shrink the image's long side.`,
    );
  }
  return { resizedWidth, resizedHeight, paddedWidth, paddedHeight, gridH, gridW, tokens: (gridH * gridW) / (config.mergeKernel[0] * config.mergeKernel[1]) };
}

export interface ProcessedImages {
  /** float32 [sum L, 3, p, p]. */
  pixelValues: Float32Array;
  /** Per image [gridH, gridW]. */
  grids: [number, number][];
  /** Per image gridH*gridW/4. */
  tokensPerImage: number[];
}

/** Resizes (if needed), pads, normalises and patchifies one image. */
export function preprocessImage(image: RgbImage, config: KimiImageConfig = KIMI_VL_IMAGE_DEFAULTS): ProcessedImages {
  const g = imageGeometry(image.width, image.height, config);
  if (image.data.length !== image.width * image.height * 3) {
    throw new RangeError(`image data has ${image.data.length} bytes; ${image.width}x${image.height} RGB needs ${image.width * image.height * 3}`);
  }
  const resized = g.resizedWidth === image.width && g.resizedHeight === image.height ? image : resizeBicubicPil(image, g.resizedWidth, g.resizedHeight);
  const p = config.patchSize;
  const patchLen = 3 * p * p;
  const out = new Float32Array(g.gridH * g.gridW * patchLen);
  // Per channel lookup: byte value -> normalised float; padding is byte 0.
  const lut = [0, 1, 2].map((c) => {
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = (v * config.rescaleFactor - config.imageMean[c]) / config.imageStd[c];
    return t;
  });
  for (let gy = 0; gy < g.gridH; gy++) {
    for (let gx = 0; gx < g.gridW; gx++) {
      const base = (gy * g.gridW + gx) * patchLen;
      for (let c = 0; c < 3; c++) {
        const t = lut[c];
        for (let y = 0; y < p; y++) {
          const sy = gy * p + y;
          for (let x = 0; x < p; x++) {
            const sx = gx * p + x;
            const byte = sy < resized.height && sx < resized.width ? resized.data[(sy * resized.width + sx) * 3 + c] : 0;
            out[base + (c * p + y) * p + x] = t[byte];
          }
        }
      }
    }
  }
  return { pixelValues: out, grids: [[g.gridH, g.gridW]], tokensPerImage: [g.tokens] };
}

/** preprocessImage over several images, concatenated in order. */
export function preprocessImages(images: RgbImage[], config: KimiImageConfig = KIMI_VL_IMAGE_DEFAULTS): ProcessedImages {
  const parts = images.map((img) => preprocessImage(img, config));
  const total = parts.reduce((n, part) => n + part.pixelValues.length, 0);
  const pixelValues = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    pixelValues.set(part.pixelValues, offset);
    offset += part.pixelValues.length;
  }
  return { pixelValues, grids: parts.map((part) => part.grids[0]), tokensPerImage: parts.map((part) => part.tokensPerImage[0]) };
}
