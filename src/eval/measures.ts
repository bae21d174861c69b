import { RerankError } from '../errors.js';
import { averagePrecision, ndcgAt, precisionAt, recallAt, reciprocalRank, successAt, type QueryJudgments } from './metrics.js';

/** A measure with its trec_eval name, a friendly name and the per-query function. */
export interface Measure {
  name: string;
  friendly: string;
  compute(q: QueryJudgments): number;
}

/** What `rerankit eval` reports unless told otherwise (the list). */
export const DEFAULT_MEASURES = ['ndcg_cut_10', 'recip_rank', 'map', 'P_10', 'recall_100'];

type Family = { friendly: (k?: number) => string; make: (k: number) => (q: QueryJudgments) => number };

/** Cutoff families, keyed by trec_eval's prefix (mrr_cut is ours: trec_eval has no MRR@k). */
const FAMILIES: Record<string, Family> = {
  ndcg_cut: { friendly: (k) => `nDCG@${k}`, make: (k) => (q) => ndcgAt(q, k) },
  P: { friendly: (k) => `P@${k}`, make: (k) => (q) => precisionAt(q, k) },
  recall: { friendly: (k) => `Recall@${k}`, make: (k) => (q) => recallAt(q, k) },
  success: { friendly: (k) => `HitRate@${k}`, make: (k) => (q) => successAt(q, k) },
  mrr_cut: { friendly: (k) => `MRR@${k}`, make: (k) => (q) => reciprocalRank(q, k) },
};

const SINGLE: Record<string, Measure> = {
  map: { name: 'map', friendly: 'MAP', compute: averagePrecision },
  recip_rank: { name: 'recip_rank', friendly: 'MRR', compute: (q) => reciprocalRank(q) },
  ndcg: { name: 'ndcg', friendly: 'nDCG', compute: (q) => ndcgAt(q, Infinity) },
};

/** Friendly spellings users type: "ndcg@10", "mrr@10", "r@100", "hit@10", "mrr", "precision@5". */
const ALIASES: Record<string, string> = {
  'ndcg@': 'ndcg_cut', 'p@': 'P', 'precision@': 'P', 'r@': 'recall', 'recall@': 'recall',
  'hit@': 'success', 'hitrate@': 'success', 'hit_rate@': 'success', 'success@': 'success', 'mrr@': 'mrr_cut',
};

function cutoffMeasure(family: string, k: number): Measure {
  const f = FAMILIES[family];
  if (!Number.isInteger(k) || k <= 0) throw new RerankError('RERANK_BAD_OPTION', `cutoff of "${family}" must be a positive integer`);
  return { name: `${family}_${k}`, friendly: f.friendly(k), compute: f.make(k) };
}

/** Parses one name: trec_eval's (`ndcg_cut_10`, `ndcg_cut.5,10`, `P_5`, `map`) or a friendly one. */
export function parseMeasure(spec: string): Measure[] {
  const s = spec.trim();
  const lower = s.toLowerCase();
  if (SINGLE[lower]) return [SINGLE[lower]];
  if (lower === 'mrr') return [SINGLE.recip_rank];
  for (const [prefix, family] of Object.entries(ALIASES)) {
    if (lower.startsWith(prefix)) return [cutoffMeasure(family, Number(lower.slice(prefix.length)))];
  }
  const m = /^(ndcg_cut|P|p|recall|success|mrr_cut)[_.]([\d,]+)$/.exec(s);
  if (m) return m[2].split(',').map((k) => cutoffMeasure(m[1] === 'p' ? 'P' : m[1], Number(k)));
  throw new RerankError('RERANK_BAD_OPTION', `unknown measure "${spec}" (try ndcg_cut_10, recip_rank, mrr_cut_10, map, P_10, recall_100, success_10)`);
}

/** Parses a list of specs, dropping duplicates while keeping the first order seen. */
export function parseMeasures(specs: string[] = DEFAULT_MEASURES): Measure[] {
  const seen = new Map<string, Measure>();
  for (const spec of specs) for (const m of parseMeasure(spec)) if (!seen.has(m.name)) seen.set(m.name, m);
  return [...seen.values()];
}
