/** ONNX writer: protobuf encoding of models/graphs/tensors, external data files, and a graph builder. */
export * from './proto.ts';
export * from './builder.ts';
export { ExternalDataWriter } from './external-data.ts';
