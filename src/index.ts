export * from './types.js';
export * from './errors.js';
export { CrossEncoder } from './backends/onnx/cross-encoder.js';
export type { CrossEncoderOptions } from './backends/onnx/cross-encoder.js';
export { createReranker, registerReranker, rerankerKinds } from './registry.js';
export type { RerankerConfig, RerankerFactory } from './registry.js';
