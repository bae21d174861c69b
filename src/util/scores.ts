import { RerankError } from '../errors.js';

/**
 * Small score arithmetic shared by backends, retrieval fusion and pipeline combinators: one
 * normalisation, one rank fusion, one best-first order, one logistic function.
 */

/** Min-max normalisation to [0, 1]; a constant list maps to all ones, an empty one to []. */
export function minMax(xs: readonly number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) (lo = Math.min(lo, x)), (hi = Math.max(hi, x));
  const span = hi - lo;
  return xs.map((x) => (span > 0 ? (x - lo) / span : 1));
}

/** The RRF constant of Cormack, Clarke and Büttcher (2009). */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion: score(key) = Σ_i w_i / (k + rank_i(key)), ranks from 1, over rankings given
 * best first; a ranking that lacks a key adds nothing for it. Weights default to 1 each. Returns every
 * key's fused score, keys in first-seen order (sort them with the caller's tie rule).
 */
export function rrfScores<K>(rankings: readonly (readonly K[])[], o: { k?: number; weights?: readonly number[] } = {}): Map<K, number> {
  const k = o.k ?? RRF_K;
  if (!(k >= 0)) throw new RerankError('RERANK_BAD_OPTION', `RRF k must be >= 0, got ${k}`);
  const fused = new Map<K, number>();
  rankings.forEach((ranking, i) => {
    const w = o.weights?.[i] ?? 1;
    ranking.forEach((key, r) => fused.set(key, (fused.get(key) ?? 0) + w / (k + r + 1)));
  });
  return fused;
}

/** Anything ranked by a score at a position: a rerank result, a hit by corpus index. */
export interface Indexed {
  index: number;
  score: number;
}

/** Best first: higher score first; equal scores keep the lower index first (input order, Lucene's doc-id order). */
export function bestFirst(a: Indexed, b: Indexed): number {
  return b.score - a.score || a.index - b.index;
}

/** The logistic function, without overflow for large |x|: raw log-odds → a score in [0, 1]. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
