import { RerankError } from '../errors.js';
import { minMax } from '../util/scores.js';

/**
 * Maximal marginal relevance over any candidate list: repeatedly pick the candidate maximising
 * λ·relevance − (1−λ)·max similarity to those already picked. Relevance is min-max normalised first
 * so λ means the same for BM25 scores, cosines and reranker probabilities.
 * Returns candidate indexes in selection order.
 */
export function mmr(relevance: number[], similarity: (i: number, j: number) => number, o: { lambda?: number; k?: number } = {}): number[] {
  const lambda = o.lambda ?? 0.5;
  if (!(lambda >= 0 && lambda <= 1)) throw new RerankError('RERANK_BAD_OPTION', `MMR lambda must be in [0, 1], got ${lambda}`);
  const k = Math.min(o.k ?? relevance.length, relevance.length);
  const rel = minMax(relevance);
  const maxSim = new Array<number>(relevance.length).fill(-Infinity);
  const picked: number[] = [];
  const left = new Set(relevance.map((_, i) => i));
  while (picked.length < k) {
    let best = -1;
    let bestScore = -Infinity;
    for (const i of left) {
      const s = lambda * rel[i]! - (1 - lambda) * (picked.length ? maxSim[i]! : 0);
      if (s > bestScore) (best = i), (bestScore = s);
    }
    picked.push(best);
    left.delete(best);
    for (const i of left) maxSim[i] = Math.max(maxSim[i]!, similarity(i, best));
  }
  return picked;
}

/** MMR with cosine similarity between embeddings (one per candidate). */
export function mmrByEmbedding(relevance: number[], embeddings: Float32Array[], o: { lambda?: number; k?: number } = {}): number[] {
  if (embeddings.length !== relevance.length) throw new RerankError('RERANK_BAD_INPUT', 'need one embedding per candidate');
  const norms = embeddings.map((e) => Math.sqrt(e.reduce((s, x) => s + x * x, 0)) || 1);
  const sim = (i: number, j: number): number => {
    let dot = 0;
    for (let d = 0; d < embeddings[i]!.length; d++) dot += embeddings[i]![d]! * embeddings[j]![d]!;
    return dot / (norms[i]! * norms[j]!);
  };
  return mmr(relevance, sim, o);
}

/** Jaccard similarity of term sets, for MMR without embeddings (e.g. over BM25 candidates). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 0 : inter / union;
}
