/** Types shared by the ONNX session, its worker thread and the worker's main-thread side. */

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  /** Intra-op threads (default: ONNX Runtime's choice, one per physical core). */
  threads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * Let idle intra-op threads spin-wait for the next call (default false). Spinning threads keep
   * burning the cores for tens of ms after a call, so on a small machine any other session, the
   * tokenizer or the server's own work runs at half speed meanwhile (measured: 2 cores, a MatMul after
   * a MiniLM call 27 ms instead of 13); a single busy session gains nothing from it.
   */
  allowSpinning?: boolean;
}

/** A model output as the encoder callers read it: its shape and its float data. */
export interface OutputTensor {
  dims: readonly number[];
  data: Float32Array;
}

/** The ONNX tensor types the worker carries, each with its one typed array. */
export type TensorType = 'int64' | 'bool' | 'float32' | 'float16';
export interface TensorArrays { int64: BigInt64Array; bool: Uint8Array; float32: Float32Array; float16: Uint16Array }
export type TensorData = TensorArrays[TensorType];

/**
 * One tensor as it crosses between threads: type, shape and data (a buffer of its own, transferred).
 * Typed by `type`, so a check of `type` narrows `data`.
 */
export type TensorBuffers = { [T in TensorType]: { type: T; dims: readonly number[]; data: TensorArrays[T] } }[TensorType];

/** The inputs of one call, as sent to the worker (buffers transferred, not copied). */
export type FeedBuffers = Record<string, TensorBuffers>;

/** An input's or output's declared type and shape (symbolic dimensions as strings), as plain data. */
export type ValueInfo = { name: string; isTensor: false } | { name: string; isTensor: true; type: string; shape: (number | string)[] };

/** What the worker reports once its session is loaded. */
export interface SessionInfo {
  inputNames: string[];
  outputNames: string[];
  inputMetadata: ValueInfo[];
  outputMetadata: ValueInfo[];
}

/**
 * Where a worker's model comes from: a file, or model bytes (an edited graph, handed over to the
 * worker) whose external data files, if any, lie in `dir`. `path` names the model in errors.
 */
export interface SessionSource {
  path: string;
  bytes?: Uint8Array;
  dir?: string;
}
