/**
 * `rerankit/quantize`: dynamic int8 quantization of ONNX models (what `rerankit quantize` runs), and
 * the ONNX model reader/writer it works on. The root export has only a lazy `quantizeFolder`, so
 * `import 'rerankit'` does not load protobufjs.
 */
export { quantizeFolder } from './folder.js';
export type { QuantizeFolderResult } from './folder.js';
export { quantizeDynamic, DEFAULT_QUANT } from './dynamic.js';
export type { DynamicQuantOptions, QuantReport } from './dynamic.js';
export { readModel, writeModel } from '../onnx/model.js';
export type { Model } from '../onnx/model.js';
