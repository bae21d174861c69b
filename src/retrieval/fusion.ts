import { RerankError } from '../errors.js';
import type { SearchHit } from '../types.js';
import { minMax, RRF_K, rrfScores } from '../util/scores.js';

/** Ranked lists in, one fused list out (best first). Plain functions over SearchHit[]. */

export { RRF_K };

/** Reciprocal rank fusion: score(d) = Σ w_i / (k + rank_i(d)), rank from 1; absent lists add nothing. */
export function rrf(lists: SearchHit[][], o: { k?: number; weights?: number[] } = {}): SearchHit[] {
  const weights = checkWeights(lists, o.weights);
  const fused = rrfScores(lists.map((list) => list.map((h) => h.id)), { k: o.k, weights });
  const first = new Map<string, SearchHit>();
  for (const h of lists.flat()) if (!first.has(h.id)) first.set(h.id, h);
  return sortHits([...fused].map(([id, score]) => hit(first.get(id)!, score)));
}

export type Normalization = 'minmax' | 'zscore';

/**
 * Weighted score fusion: each list's scores normalised (min-max to [0,1] or z-score), then
 * Σ w_i · norm_i(d). A document a list did not return gets that list's lowest normalised score
 * (it ranked below everything retrieved), i.e. 0 under min-max.
 */
export function weightedFusion(lists: SearchHit[][], o: { weights?: number[]; normalization?: Normalization } = {}): SearchHit[] {
  const weights = checkWeights(lists, o.weights);
  const norm = o.normalization ?? 'minmax';
  if (norm !== 'minmax' && norm !== 'zscore') throw new RerankError('RERANK_BAD_OPTION', `normalization must be minmax or zscore, got ${norm}`);
  const normed = lists.map((l) => normalize(l.map((h) => h.score), norm));
  const floor = normed.map((s) => (s.length ? Math.min(...s) : 0));
  const fused = new Map<string, SearchHit>();
  lists.forEach((list, i) => list.forEach((h, r) => add(fused, h, weights[i]! * (normed[i]![r]! - floor[i]!))));
  // Adding the floors back keeps scores on the normalised scale without changing the order.
  const base = floor.reduce((s, f, i) => s + weights[i]! * f, 0);
  return sortHits([...fused.values()].map((h) => ({ ...h, score: h.score + base })));
}

export function normalize(scores: number[], how: Normalization): number[] {
  if (scores.length === 0) return [];
  if (how === 'minmax') return minMax(scores);
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const sd = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / scores.length);
  return scores.map((s) => (sd > 0 ? (s - mean) / sd : 0));
}

function add(fused: Map<string, SearchHit>, h: SearchHit, score: number): void {
  const cur = fused.get(h.id);
  if (cur) cur.score += score;
  else fused.set(h.id, hit(h, score));
}

/** A fused hit: the id and text of the first hit seen for it, with the fused score. */
function hit(h: SearchHit, score: number): SearchHit {
  return { id: h.id, score, ...(h.text !== undefined ? { text: h.text } : {}) };
}

function checkWeights(lists: SearchHit[][], weights?: number[]): number[] {
  const w = weights ?? lists.map(() => 1);
  if (w.length !== lists.length || w.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new RerankError('RERANK_BAD_OPTION', `need one non-negative weight per list (${lists.length}), got [${w.join(', ')}]`);
  }
  return w;
}

/** Best first; ties by id so fused output is deterministic. */
export function sortHits(hits: SearchHit[]): SearchHit[] {
  return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
