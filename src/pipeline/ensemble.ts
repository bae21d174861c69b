import { RerankError } from '../errors.js';
import type { DocInput, Reranker, RerankOptions, RerankResult } from '../types.js';
import { checkRerankInput, finishResults, pairOptions } from '../rerank-input.js';
import { bestFirst, minMax, RRF_K, rrfScores } from '../util/scores.js';
import { scoresByIndex } from './util.js';

export interface EnsembleMember {
  reranker: Reranker;
  weight?: number;
}

export interface EnsembleOptions {
  /** 'weighted' (default): weighted mean of scores; 'rrf': weighted reciprocal rank fusion. */
  method?: 'weighted' | 'rrf';
  /** For 'weighted': 'none' (default, scores already in [0, 1]) or 'minmax' per member per query. */
  normalize?: 'none' | 'minmax';
  /** RRF constant (default 60, as in Cormack et al. 2009). */
  k?: number;
}

/**
 * Runs every member on the same documents (concurrently) and fuses their opinions. Scores stay in
 * [0, 1]: the weighted mean divides by the weight sum, RRF divides by the best possible fused value.
 * Each result's `members` holds the members' scores in member order; an ensemble has no `raw`.
 */
export class EnsembleReranker implements Reranker {
  readonly name: string;
  private readonly weights: number[];

  constructor(private readonly members: EnsembleMember[], private readonly opts: EnsembleOptions = {}) {
    if (members.length === 0) throw new RerankError('RERANK_BAD_OPTION', 'an ensemble needs at least one reranker');
    this.weights = members.map((m) => m.weight ?? 1);
    if (this.weights.some((w) => !(w >= 0)) || this.weights.every((w) => w === 0)) {
      throw new RerankError('RERANK_BAD_OPTION', 'ensemble weights must be >= 0 and not all 0');
    }
    this.name = `ensemble-${opts.method ?? 'weighted'}(${members.map((m) => m.reranker.name).join(',')})`;
  }

  async rerank(query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    checkRerankInput(query, documents, options);
    const po = pairOptions(options);
    const lists = await Promise.all(this.members.map((m) => m.reranker.rerank(query, documents, po)));
    const fused = this.opts.method === 'rrf' ? this.rrf(lists, documents.length) : this.weighted(lists, documents.length);
    const byMember = lists.map((l) => scoresByIndex(l, documents.length));
    const results = fused.map((score, index) => ({ index, score, members: byMember.map((r) => r[index]?.score ?? 0) }));
    return finishResults(results, documents, options);
  }

  private weighted(lists: RerankResult[][], n: number): number[] {
    const total = this.weights.reduce((s, w) => s + w, 0);
    const fused = new Array<number>(n).fill(0);
    lists.forEach((list, m) => {
      const byIndex = scoresByIndex(list, n).map((r) => r?.score ?? 0);
      const scores = this.opts.normalize === 'minmax' ? minMax(byIndex) : byIndex;
      scores.forEach((s, i) => (fused[i] += (this.weights[m] * s) / total));
    });
    return fused;
  }

  private rrf(lists: RerankResult[][], n: number): number[] {
    const k = this.opts.k ?? RRF_K;
    const fused = rrfScores(lists.map((list) => [...list].sort(bestFirst).map((r) => r.index)), { k, weights: this.weights });
    const best = this.weights.reduce((s, w) => s + w / (k + 1), 0);
    return Array.from({ length: n }, (_, i) => (fused.get(i) ?? 0) / best);
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.reranker.close()));
  }
}
