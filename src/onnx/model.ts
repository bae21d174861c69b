import { readFile, writeFile } from 'node:fs/promises';
import protobuf from 'protobufjs';
import { RerankError, messageOf } from '../errors.js';
import { fsErrorText } from '../util/fs-errors.js';
import { ONNX_PROTO } from './onnx.proto.js';

/** Plain-object views of ONNX protos (int64 fields as numbers; tensor payloads as raw bytes). */
export interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int64Data?: number[];
  int32Data?: number[];
  [k: string]: unknown;
}
export interface Attribute {
  name: string;
  type?: number;
  i?: number;
  f?: number;
  ints?: number[];
  floats?: number[];
  s?: Uint8Array;
  t?: Tensor;
  [k: string]: unknown;
}
export interface Node {
  name?: string;
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute?: Attribute[];
}
export interface ValueInfo {
  name: string;
  type?: unknown;
}
export interface Graph {
  name?: string;
  node: Node[];
  initializer: Tensor[];
  input: ValueInfo[];
  output: ValueInfo[];
  valueInfo?: ValueInfo[];
  [k: string]: unknown;
}
export interface Model {
  irVersion: number;
  opsetImport: { domain?: string; version: number }[];
  producerName?: string;
  graph: Graph;
  [k: string]: unknown;
}

export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10 } as const;

let root: protobuf.Root | undefined;
function modelType(): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO, { keepCase: false }).root;
  return root.lookupType('onnx.ModelProto');
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, bytes: Uint8Array as never, defaults: false, arrays: true };

export function decodeModel(bytes: Uint8Array): Model {
  const T = modelType();
  const m = T.toObject(T.decode(bytes), TO_OBJECT) as Model;
  if (!m.graph) throw new Error('no graph');
  for (const key of ['node', 'initializer', 'input', 'output'] as const) m.graph[key] ??= [] as never;
  return m;
}

export function encodeModel(model: Model): Uint8Array {
  const T = modelType();
  return T.encode(T.fromObject(model)).finish();
}

export async function readModel(path: string): Promise<Model> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new RerankError('RERANK_FILE', `cannot read ${path}: ${fsErrorText(e)}`);
  }
  try {
    return decodeModel(bytes);
  } catch (e) {
    throw new RerankError('RERANK_ONNX_INVALID', `${path} is not an ONNX model: ${messageOf(e)}`);
  }
}

export async function writeModel(path: string, model: Model): Promise<void> {
  await writeFile(path, encodeModel(model));
}

/** A float32 tensor's values, whichever field holds them. */
export function floatsOf(t: Tensor): Float32Array {
  // Copy first: decoded bytes may be a view into a larger pooled buffer at any alignment.
  if (t.rawData && t.rawData.length) return new Float32Array(new Uint8Array(t.rawData).buffer);
  return Float32Array.from(t.floatData ?? []);
}

export function tensor(name: string, dims: number[], dataType: number, data: ArrayBufferView): Tensor {
  return { name, dims, dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
