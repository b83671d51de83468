/** safetensors: streamed reader (single/sharded checkpoints), writer, dtype conversions. */
export * from './dtype.ts';
export * from './reader.ts';
export * from './writer.ts';
