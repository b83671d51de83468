/**
 * The size a served model should be shown an image at. We resize before sending, so the server has
 * nothing left to resize and the coordinate mapper knows exactly what the model saw.
 */
import { imageGeometry, KIMI_VL_IMAGE_DEFAULTS } from '../kimi/image-processor.ts';
import type { CoordinateUnit, ModelFamily } from '../types.ts';

/** Qwen2.5-VL-style resize (UI-TARS 1.5): sides multiples of 28, pixel count within [min, max]. */
export function smartResize(width: number, height: number, factor = 28, minPixels = 56 * 56, maxPixels = 16384 * 28 * 28): { width: number; height: number } {
  let h = Math.max(factor, Math.round(height / factor) * factor);
  let w = Math.max(factor, Math.round(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { width: w, height: h };
}

/** kimiTokenLimit: the served checkpoint's in_token_limit (4096 Instruct/Thinking, 16384 Thinking-2506). */
export function imageSizeForFamily(
  family: ModelFamily,
  coordinates: CoordinateUnit,
  kimiTokenLimit = KIMI_VL_IMAGE_DEFAULTS.inTokenLimit,
): ((w: number, h: number) => { width: number; height: number }) | undefined {
  if (family === 'kimi') {
    return (w, h) => {
      const g = imageGeometry(w, h, { ...KIMI_VL_IMAGE_DEFAULTS, inTokenLimit: kimiTokenLimit });
      return { width: g.resizedWidth, height: g.resizedHeight };
    };
  }
  if (coordinates === 'image') return (w, h) => smartResize(w, h);
  return undefined;
}
