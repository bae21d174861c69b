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

/** A model output as the callers read it: its shape and its float data. */
export interface OutputTensor {
  dims: readonly number[];
  data: Float32Array;
}

/** What the worker reports once its session is loaded. */
export interface SessionInfo { inputNames: string[]; outputNames: string[] }

/** The int64 inputs of one batch, as sent to the worker (buffers transferred, not copied). */
export type FeedBuffers = Record<string, { data: BigInt64Array; dims: number[] }>;

