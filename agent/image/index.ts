export { encodePng, decodePng } from './png.ts';
export { resizeRgb, type ResizeKernel } from './resize.ts';
export { assertRgbImage } from './validate.ts';
export { packedToRgb, cropRgb } from './pixels.ts';
