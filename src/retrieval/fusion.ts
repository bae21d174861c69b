import { RerankError } from '../errors.js';
import type { SearchHit } from '../types.js';
import { fuseLists, normalizeScores, type FuseOptions } from '../util/fusion.js';
import { RRF_K } from '../util/scores.js';

/**
 * Ranked lists in, one fused list out (best first). Thin adapters over util/fusion.ts, the fusion
 * mechanism `rerankit fuse` uses for TREC runs too.
 */

export { RRF_K };

/** Reciprocal rank fusion: score(d) = Σ w_i / (k + rank_i(d)), rank from 1; absent lists add nothing. */
export function rrf(lists: SearchHit[][], o: { k?: number; weights?: number[] } = {}): SearchHit[] {
  return fused(lists, { method: 'rrf', k: o.k, weights: o.weights ?? lists.map(() => 1) });
}

export type Normalization = 'minmax' | 'zscore';

/**
 * Weighted score fusion: each list's scores normalised (min-max to [0,1] or z-score), then
 * Σ w_i · norm_i(d). A document a list did not return gets that list's lowest normalised score
 * (it ranked below everything retrieved), i.e. 0 under min-max.
 */
export function weightedFusion(lists: SearchHit[][], o: { weights?: number[]; normalization?: Normalization } = {}): SearchHit[] {
  const norm = o.normalization ?? 'minmax';
  if (norm !== 'minmax' && norm !== 'zscore') throw new RerankError('RERANK_BAD_OPTION', `normalization must be minmax or zscore, got ${norm}`);
  return fused(lists, { method: 'weighted', norm, weights: o.weights ?? lists.map(() => 1), missing: 'floor' });
}

export function normalize(scores: number[], how: Normalization): number[] {
  return normalizeScores(scores, how);
}

function fused(lists: SearchHit[][], o: FuseOptions): SearchHit[] {
  const scores = fuseLists(lists.map((l) => ({ keys: l.map((h) => h.id), scores: l.map((h) => h.score) })), o);
  const first = new Map<string, SearchHit>();
  for (const h of lists.flat()) if (!first.has(h.id)) first.set(h.id, h);
  return sortHits([...scores].map(([id, score]) => hit(first.get(id)!, score)));
}

/** A fused hit: the id and text of the first hit seen for it, with the fused score. */
function hit(h: SearchHit, score: number): SearchHit {
  return { id: h.id, score, ...(h.text !== undefined ? { text: h.text } : {}) };
}

/** Best first; ties by id so fused output is deterministic. */
export function sortHits(hits: SearchHit[]): SearchHit[] {
  return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
