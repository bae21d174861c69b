import type * as Ort from 'onnxruntime-node';
import { RerankError, messageOf } from '../../errors.js';
import type { BatchTensors } from './batching.js';

/** onnxruntime-node, imported by the first OnnxModel.load: `import 'rerankit'` must not load native code. */
let ort: typeof Ort;
/** Its types under the same name (a type-only namespace merges with the variable), so `ort.Tensor` reads as with a static import. */
declare namespace ort {
  type InferenceSession = Ort.InferenceSession;
  type Tensor = Ort.Tensor;
}

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

/** An ONNX Runtime session for a sequence-classification or encoder model, with its input signature checked. */
export class OnnxModel {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly wantsTokenTypes: boolean,
    readonly outputName: string,
  ) {}

  static async load(path: string, o: SessionOptions = {}): Promise<OnnxModel> {
    const session = await createSession(path, path, o);
    const unknown = session.inputNames.filter((n) => !SUPPORTED_INPUTS.has(n));
    if (unknown.length || !session.inputNames.includes('input_ids')) {
      await session.release();
      throw new RerankError('RERANK_MODEL_INVALID', `${path} takes inputs [${session.inputNames.join(', ')}]; supported: input_ids, attention_mask, token_type_ids`);
    }
    const out = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
    return new OnnxModel(session, session.inputNames.includes('token_type_ids'), out);
  }

  /** Runs one padded batch and returns the first output as a tensor. */
  async run(t: BatchTensors): Promise<ort.Tensor> {
    const shape = [t.rows, t.cols];
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', t.inputIds, shape) };
    if (this.session.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', t.attentionMask, shape);
    if (this.wantsTokenTypes) feeds.token_type_ids = new ort.Tensor('int64', t.tokenTypeIds, shape);
    const out = await this.session.run(feeds, [this.outputName]);
    return out[this.outputName];
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
