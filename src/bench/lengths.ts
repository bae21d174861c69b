import { planBatches, type BatchLimits, type PairItem } from '../backends/onnx/batching.js';
import { chunkWindows } from '../backends/onnx/chunks.js';
import { modelMaxLength } from '../backends/onnx/max-length.js';
import type { ModelFiles } from '../models/resolve.js';
import { PairTokenizer } from '../models/tokenizer.js';
import type { Workload } from './workloads.js';

/** Real (unpadded) sequence lengths of a workload, one per ONNX row rerankit runs. */
export interface WorkloadShape {
  /** One entry per sequence the model sees: a pair, or a window of a chunked pair. */
  lengths: number[];
  maxLength: number;
}

/** Tokenizes a workload the way CrossEncoder does (same tokenizer, truncation and chunking), outside any timing. */
export async function workloadShape(files: ModelFiles, w: Workload): Promise<WorkloadShape> {
  const tok = await PairTokenizer.load(files.tokenizerPath, files.tokenizerConfig, files.config);
  const maxLength = modelMaxLength(files.config, files.tokenizerConfig, undefined, tok.specials);
  const [q] = await tok.encodeTexts([w.query]);
  const docs = await tok.encodeTexts(w.docs);
  const lengths = docs.flatMap((d) => {
    if (w.longDocuments === 'truncate') return [tok.pair(q, d, maxLength).ids.length];
    const [qk, windows] = chunkWindows(q, d, maxLength - tok.specials);
    return windows.map((win) => qk.length + win.length + tok.specials);
  });
  return { lengths, maxLength };
}

/** Tokens rerankit's length-bucketed batches feed the model, padding included. */
export function bucketedTokens(lengths: number[], limits: BatchLimits): number {
  const items: PairItem[] = lengths.map((n, key) => ({ key, ids: new Array<number>(n), typeIds: [] }));
  return planBatches(items, limits).reduce((sum, b) => sum + b.length * Math.max(...b.map((it) => it.ids.length)), 0);
}

/** Tokens one padded batch of every pair feeds the model (the standard way). */
export function paddedTokens(lengths: number[]): number {
  return lengths.length * Math.max(...lengths);
}
