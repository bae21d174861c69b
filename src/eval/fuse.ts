import { RerankError } from '../errors.js';
import { fuseLists, type FuseOptions, type FusionMethod, type ScoreNorm } from '../util/fusion.js';
import { evaluate } from './evaluate.js';
import { perQueryMeasures, planMeasures } from './measures.js';
import { trecRanking } from './rank.js';
import type { Qrels, Run } from './types.js';

/**
 * Fusion of TREC runs (ranx's fuse and optimize_fusion) through util/fusion.ts, the mechanism hybrid
 * retrieval uses. Each query's documents are ranked as trec_eval ranks them (score descending, ties by
 * docid descending) before normalising or reading ranks; a query in any run is in the fused run.
 */

export interface FuseRunsOptions {
  method: FusionMethod;
  norm?: ScoreNorm;
  weights?: readonly number[];
  k?: number;
  /** Keep the best `depth` documents per query. */
  depth?: number;
}

/** One query's list in trec_eval's order (a document listed twice keeps its first score). */
function ranked(scores: Map<string, number>): { keys: string[]; scores: number[] } {
  const docs = [...scores.keys()];
  const sims = [...scores.values()];
  const order = trecRanking(docs, sims);
  return { keys: order.map((i) => docs[i]), scores: order.map((i) => sims[i]) };
}

export function fuseRuns(runs: readonly Run[], o: FuseRunsOptions): Run {
  if (runs.length < 2) throw new RerankError('RERANK_BAD_OPTION', `fusion needs at least two runs, got ${runs.length}`);
  if (o.depth !== undefined && !(Number.isInteger(o.depth) && o.depth > 0)) throw new RerankError('RERANK_BAD_OPTION', `depth must be a positive integer, got ${o.depth}`);
  const qids = new Set(runs.flatMap((r) => [...r.keys()]));
  const out: Run = new Map();
  const opts: FuseOptions = { method: o.method, norm: o.norm, weights: o.weights, k: o.k, missing: 'zero' };
  for (const qid of qids) {
    const lists = runs.map((r) => ranked(r.get(qid) ?? new Map()));
    let fused = fuseLists(lists, opts);
    if (o.depth !== undefined && fused.size > o.depth) {
      const docs = [...fused.keys()];
      const top = trecRanking(docs, [...fused.values()]).slice(0, o.depth);
      fused = new Map(top.map((i) => [docs[i], fused.get(docs[i])!]));
    }
    out.set(qid, fused);
  }
  return out;
}

export interface OptimizeOptions {
  method: FusionMethod;
  norm?: ScoreNorm;
  /** The measure to maximise (one value, e.g. ndcg_cut_10, map, nDCG@10). Default ndcg_cut_10. */
  metric?: string;
  /** Weight grid step for `weighted` (ranx's default 0.1). */
  step?: number;
  /** RRF's k values tried (ranx: 10, 20, ..., 100). */
  ks?: readonly number[];
  relevanceLevel?: number;
}

export interface OptimizationTrial {
  weights?: number[];
  k?: number;
  score: number;
}

export interface Optimization {
  metric: string;
  best: OptimizationTrial;
  trials: OptimizationTrial[];
}

/** Every weight vector on the grid {0, step, 2·step, ..., 1} whose weights sum to 1 (integer arithmetic). */
export function weightGrid(n: number, step: number): number[][] {
  const units = Math.round(1 / step);
  if (!(step > 0 && step <= 1) || Math.abs(units * step - 1) > 1e-9) throw new RerankError('RERANK_BAD_OPTION', `step must divide 1 (0.1, 0.05, 0.25, ...), got ${step}`);
  const out: number[][] = [];
  const rec = (prefix: number[], left: number) => {
    if (prefix.length === n - 1) return void out.push([...prefix, left].map((u) => Math.round((u / units) * 1e9) / 1e9));
    for (let u = 0; u <= left; u++) rec([...prefix, u], left - u);
  };
  rec([], units);
  return out;
}

/**
 * ranx's optimize_fusion: tries each weight vector of the grid (weighted) or each k (rrf) on the
 * queries of `qrels` and keeps the best by `metric`; on a tie the later trial wins, as in ranx.
 * (ranx compares float sums to 1.0, which drops some grid points such as 0.1 + 0.2 + 0.7; here the grid
 * is exact.) Methods without parameters have nothing to optimise.
 */
export function optimizeFusion(qrels: Qrels, runs: readonly Run[], o: OptimizeOptions): Optimization {
  const spec = o.metric ?? 'ndcg_cut_10';
  const values = perQueryMeasures(planMeasures([spec]));
  if (values.length !== 1) throw new RerankError('RERANK_BAD_OPTION', `--metric must name one value (e.g. ndcg_cut_10), "${spec}" gives ${values.length}`);
  const metric = values[0].name;
  const score = (opts: FuseRunsOptions) => evaluate(qrels, fuseRuns(runs, opts), { measures: [spec], relevanceLevel: o.relevanceLevel, friendly: false }).all[metric];
  let trials: OptimizationTrial[];
  if (o.method === 'weighted') {
    trials = weightGrid(runs.length, o.step ?? 0.1).map((weights) => ({ weights, score: score({ method: 'weighted', norm: o.norm, weights }) }));
  } else if (o.method === 'rrf') {
    const ks = o.ks ?? [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    trials = ks.map((k) => ({ k, score: score({ method: 'rrf', k }) }));
  } else {
    throw new RerankError('RERANK_BAD_OPTION', `${o.method} has no parameters to optimise (use weighted or rrf)`);
  }
  let best = trials[0];
  for (const t of trials) if (t.score >= best.score) best = t;
  return { metric, best, trials };
}
