import { RerankError } from '../errors.js';
import { minMax, RRF_K, rrfScores } from './scores.js';

/**
 * The one mechanism that fuses ranked lists: per-list score normalisation, then a combination rule.
 * Hybrid retrieval (retrieval/fusion.ts) and `rerankit fuse` over TREC runs (eval/fuse.ts) both call
 * it. Rules and normalisations are ranx's (Bassani 2022; Fox & Shaw 1994 for CombSUM/CombMNZ;
 * Cormack et al. 2009 for RRF), with two documented exceptions: a list whose scores are all equal
 * normalises to ones under min-max (ranx: zeros) and to 1/n each under sum (ranx: zeros).
 */

export type ScoreNorm = 'none' | 'minmax' | 'zscore' | 'sum' | 'rank';
export type FusionMethod = 'rrf' | 'combsum' | 'combmnz' | 'max' | 'min' | 'weighted';

export const SCORE_NORMS: readonly ScoreNorm[] = ['none', 'minmax', 'zscore', 'sum', 'rank'];
export const FUSION_METHODS: readonly FusionMethod[] = ['rrf', 'combsum', 'combmnz', 'max', 'min', 'weighted'];

/** One ranked list, best first: keys[i] has scores[i]. */
export interface RankedList<K> {
  keys: readonly K[];
  scores: readonly number[];
}

export interface FuseOptions {
  method: FusionMethod;
  /** Per-list normalisation before combining (score methods only; RRF reads ranks). Default minmax. */
  norm?: ScoreNorm;
  /** One weight per list, for `weighted` (required) and `rrf` (default 1 each). */
  weights?: readonly number[];
  /** RRF's k (default 60). */
  k?: number;
  /**
   * What a list adds for a key it lacks, for combsum and weighted: 'zero' (ranx) or 'floor', the list's
   * lowest normalised score (it ranked below everything the list returned).
   */
  missing?: 'zero' | 'floor';
}

const badOption = (message: string) => new RerankError('RERANK_BAD_OPTION', message);

/**
 * minmax (s − min)/(max − min); zscore (s − mean)/sd with the population sd (0 when it is 0); sum
 * (s − min)/Σ(s − min); rank 1 − i/n by position (ranx's rank_norm); none as given.
 */
export function normalizeScores(scores: readonly number[], how: ScoreNorm): number[] {
  const n = scores.length;
  if (n === 0) return [];
  switch (how) {
    case 'none':
      return [...scores];
    case 'minmax':
      return minMax(scores);
    case 'zscore': {
      const mean = scores.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / n);
      return scores.map((s) => (sd > 0 ? (s - mean) / sd : 0));
    }
    case 'sum': {
      const min = Math.min(...scores);
      const total = scores.reduce((a, s) => a + (s - min), 0);
      return scores.map((s) => (total > 0 ? (s - min) / total : 1 / n));
    }
    case 'rank':
      return scores.map((_, i) => 1 - i / n);
    default:
      throw badOption(`normalization must be one of ${SCORE_NORMS.join(', ')}, got ${String(how)}`);
  }
}

function checkWeights(count: number, weights: readonly number[] | undefined, method: FusionMethod): number[] {
  if (weights === undefined) {
    if (method === 'weighted') throw badOption(`weighted fusion needs one weight per list (${count})`);
    return new Array(count).fill(1);
  }
  if (method !== 'weighted' && method !== 'rrf') throw badOption(`weights apply to weighted and rrf fusion, not ${method}`);
  if (weights.length !== count || weights.some((w) => !Number.isFinite(w) || w < 0)) {
    throw badOption(`need one non-negative weight per list (${count}), got [${weights.join(', ')}]`);
  }
  return [...weights];
}

/** Fused score of every key any list holds, keys in first-seen order (callers sort with their tie rule). */
export function fuseLists<K>(lists: readonly RankedList<K>[], o: FuseOptions): Map<K, number> {
  if (!FUSION_METHODS.includes(o.method)) throw badOption(`fusion method must be one of ${FUSION_METHODS.join(', ')}, got ${String(o.method)}`);
  const weights = checkWeights(lists.length, o.weights, o.method);
  if (o.method === 'rrf') return rrfScores(lists.map((l) => l.keys), { k: o.k ?? RRF_K, weights });
  const normed = lists.map((l) => normalizeScores(l.scores, o.norm ?? 'minmax'));
  const fused = new Map<K, number>();
  const count = new Map<K, number>();
  lists.forEach((l, i) => {
    l.keys.forEach((key, r) => {
      const s = normed[i][r];
      const cur = fused.get(key);
      count.set(key, (count.get(key) ?? 0) + 1);
      if (o.method === 'max') fused.set(key, cur === undefined ? s : Math.max(cur, s));
      else if (o.method === 'min') fused.set(key, cur === undefined ? s : Math.min(cur, s));
      else fused.set(key, (cur ?? 0) + weights[i] * s);
    });
  });
  if (o.method === 'combmnz') for (const [key, s] of fused) fused.set(key, s * count.get(key)!);
  if (o.missing === 'floor' && (o.method === 'combsum' || o.method === 'weighted')) {
    lists.forEach((l, i) => {
      if (l.keys.length === 0) return;
      const floor = Math.min(...normed[i]);
      const present = new Set(l.keys);
      for (const key of fused.keys()) if (!present.has(key)) fused.set(key, fused.get(key)! + weights[i] * floor);
    });
  }
  return fused;
}
