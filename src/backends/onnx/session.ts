import type * as Ort from 'onnxruntime-node';
import { RerankError, messageOf } from '../../errors.js';
import type { BatchTensors } from './batching.js';
import type { FeedBuffers, OutputTensor, SessionInfo, SessionOptions, TensorBuffers } from './session-types.js';

export type { FeedBuffers, GraphOptimizationLevel, OutputTensor, SessionInfo, SessionOptions, SessionSource, TensorBuffers, TensorType, ValueInfo } from './session-types.js';

/** onnxruntime-node, imported by the first OnnxModel.load: `import 'rerankit'` must not load native code. */
let ort: typeof Ort;
/** Its types under the same name (a type-only namespace merges with the variable), so `ort.Tensor` reads as with a static import. */
declare namespace ort {
  type InferenceSession = Ort.InferenceSession;
  type Tensor = Ort.Tensor;
}

/** onnxruntime-node, loaded on first use. */
export async function loadOrt(): Promise<typeof Ort> {
  ort ??= await import('onnxruntime-node');
  return ort;
}

/**
 * A CPU session with rerankit's settings, from a file or from model bytes (an edited graph: `dir` is
 * then where its external data files, if any, lie). `path` names the model in errors.
 */
export async function createSession(source: string | Uint8Array, path: string, o: SessionOptions = {}, dir?: string): Promise<ort.InferenceSession> {
  await loadOrt();
  try {
    return await ort.InferenceSession.create(source as string, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
      ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: o.allowSpinning ? '1' : '0' }, ...(dir ? { model_external_initializers_file_folder_path: dir } : {}) } },
    });
  } catch (e) {
    throw new RerankError('RERANK_ONNX_INVALID', `cannot load ${path}: ${messageOf(e).split('\n')[0]}`);
  }
}

const SUPPORTED_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);

/** Checks a session's inputs and picks its output: what every encoder model needs. */
export function checkSignature(info: SessionInfo, path: string): { wantsTokenTypes: boolean; outputName: string } {
  const unknown = info.inputNames.filter((n) => !SUPPORTED_INPUTS.has(n));
  if (unknown.length || !info.inputNames.includes('input_ids')) {
    throw new RerankError('RERANK_MODEL_INVALID', `${path} takes inputs [${info.inputNames.join(', ')}]; supported: input_ids, attention_mask, token_type_ids`);
  }
  return { wantsTokenTypes: info.inputNames.includes('token_type_ids'), outputName: info.outputNames.includes('logits') ? 'logits' : info.outputNames[0]! };
}

/** The feeds of one batch for a session with these inputs. */
export function feedsOf(t: BatchTensors, inputNames: string[], wantsTokenTypes: boolean): FeedBuffers {
  const dims = [t.rows, t.cols];
  const feeds: FeedBuffers = { input_ids: { type: 'int64', data: t.inputIds, dims } };
  if (inputNames.includes('attention_mask')) feeds.attention_mask = { type: 'int64', data: t.attentionMask, dims };
  if (wantsTokenTypes) feeds.token_type_ids = { type: 'int64', data: t.tokenTypeIds, dims };
  return feeds;
}

/**
 * An ONNX Runtime session for a sequence-classification or encoder model, with its input signature
 * checked. The session lives in a worker thread: onnxruntime-node's `run()` computes on the calling
 * thread (measured: a server's event loop stalled 60 ms at the median and 600 ms at worst under load,
 * /health waited behind every model call), so on the main thread nothing else could answer meanwhile.
 * Inputs are transferred to the worker, not copied; one call runs at a time per model.
 */
export class OnnxModel {
  private constructor(
    private readonly worker: import('./session-worker.js').SessionWorker,
    private readonly inputNames: string[],
    readonly wantsTokenTypes: boolean,
    readonly outputName: string,
  ) {}

  static async load(path: string, o: SessionOptions = {}): Promise<OnnxModel> {
    const { SessionWorker } = await import('./session-worker.js');
    const worker = await SessionWorker.start({ path }, o);
    try {
      const { wantsTokenTypes, outputName } = checkSignature(worker.info, path);
      return new OnnxModel(worker, worker.info.inputNames, wantsTokenTypes, outputName);
    } catch (e) {
      await worker.close();
      throw e;
    }
  }

  /** Runs one padded batch and returns the chosen output. The batch's buffers are handed over. */
  async run(t: BatchTensors): Promise<OutputTensor> {
    const out = (await this.worker.run(feedsOf(t, this.inputNames, this.wantsTokenTypes), [this.outputName]))[this.outputName]!;
    return { dims: out.dims, data: floatsOf(out, this.outputName) };
  }

  async release(): Promise<void> {
    await this.worker.close();
  }
}

/** A float output's values as float32 (fp16 exports return half floats). */
export function floatsOf(t: TensorBuffers, name: string): Float32Array {
  if (t.type === 'float32') return t.data;
  if (t.type === 'float16') return halfToFloat(t.data);
  throw new RerankError('RERANK_MODEL_OUTPUT', `output "${name}" has type ${t.type}, expected float32 or float16`);
}

/** IEEE half floats → float32 (fp16 exports). */
export function halfToFloat(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const v = h[i]!;
    const sign = v & 0x8000 ? -1 : 1;
    const exp = (v >> 10) & 0x1f;
    const frac = v & 0x3ff;
    out[i] = exp === 0 ? sign * 2 ** -14 * (frac / 1024) : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}
