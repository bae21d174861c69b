import { RerankError } from '../errors.js';

/** What a transformer encoder's cost depends on, read from its config.json. */
export interface EncoderDims {
  hidden: number;
  layers: number;
  intermediate: number;
  labels: number;
}

export function dimsFromConfig(config: Record<string, unknown>): EncoderDims {
  const num = (k: string) => {
    const v = config[k];
    if (typeof v !== 'number' || v <= 0) throw new RerankError('RERANK_MODEL_INVALID', `config.json has no positive "${k}"`);
    return v;
  };
  const id2label = config.id2label as Record<string, unknown> | undefined;
  const labels = typeof config.num_labels === 'number' ? config.num_labels : id2label ? Object.keys(id2label).length : 1;
  return { hidden: num('hidden_size'), layers: num('num_hidden_layers'), intermediate: num('intermediate_size'), labels };
}

/**
 * Floating-point operations (multiply and add counted separately, so one FMA = 2 FLOP) of one BERT /
 * XLM-R sequence-classification forward pass over a sequence of S real tokens, padding excluded:
 *
 *   per layer:  S · 2·(4H² + 2·H·I)     Q, K, V and output projections (4 · H×H) and the FFN (H×I, I×H)
 *             + 4·S²·H                  attention scores Q·Kᵀ and the weighted sum P·V over all heads
 *   once:       2·H² + 2·H·labels       pooler dense on [CLS] and the classifier
 *
 * Embedding gathers, layer norms, softmax, GELU and bias adds are O(S·H) and left out: they are not
 * matrix multiplies and are under 1% of the total for these shapes. This is the useful work, so GFLOP/s
 * computed from it measures how well an engine avoids padding as well as how fast its kernels are.
 */
export function sequenceFlops(d: EncoderDims, S: number): number {
  const H = d.hidden;
  const perLayer = S * 2 * (4 * H * H + 2 * H * d.intermediate) + 4 * S * S * H;
  return d.layers * perLayer + 2 * H * H + 2 * H * d.labels;
}

/** Total FLOPs of scoring sequences of the given real lengths (one per pair, or per window when chunking). */
export function workloadFlops(d: EncoderDims, lengths: number[]): number {
  return lengths.reduce((sum, S) => sum + sequenceFlops(d, S), 0);
}

/** FLOPs of an [m, k] × [k, n] matrix multiply. */
export function matmulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}
