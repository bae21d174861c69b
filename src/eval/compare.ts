import { RerankError } from '../errors.js';
import { evaluate } from './evaluate.js';
import { parseMeasures } from './measures.js';
import { bootstrapCI, pairedTTest, permutationTest, winTieLoss } from './stats.js';
import type { Qrels, Run } from './types.js';

export interface CompareOptions {
  measures?: string[];
  relevanceLevel?: number;
  /** Bootstrap and permutation samples (default 10000) and their seed (default 42). */
  samples?: number;
  seed?: number;
}

export interface MetricComparison {
  measure: string;
  friendly: string;
  a: number;
  b: number;
  delta: number;
  /** delta / a (null when a is 0). */
  relative: number | null;
  t: number;
  p_ttest: number;
  ci95: [number, number];
  p_permutation: number;
  wins: number;
  ties: number;
  losses: number;
}

export interface Comparison {
  queries: number;
  metrics: MetricComparison[];
}

/**
 * Compares run B against run A query by query. Queries are paired over every judged query that at
 * least one run answers; a run missing a query scores 0 there (trec_eval -c), so neither run gains
 * by dropping hard queries.
 */
export function compareRuns(qrels: Qrels, a: Run, b: Run, opts: CompareOptions = {}): Comparison {
  const measures = parseMeasures(opts.measures);
  const names = measures.map((m) => m.name);
  const answered = new Map([...qrels].filter(([qid]) => a.has(qid) || b.has(qid)));
  if (answered.size === 0) throw new RerankError('RERANK_BAD_INPUT', 'neither run answers a judged query');
  const base = { measures: names, relevanceLevel: opts.relevanceLevel, complete: true, friendly: false };
  const ea = evaluate(answered, a, base);
  const eb = evaluate(answered, b, base);
  const qids = Object.keys(ea.per_query);
  const metrics = measures.map((m): MetricComparison => {
    const diffs = qids.map((q) => eb.per_query[q][m.name] - ea.per_query[q][m.name]);
    const ci = bootstrapCI(diffs, opts.samples, opts.seed);
    const { t, p } = pairedTTest(diffs);
    const [va, vb] = [ea.all[m.name], eb.all[m.name]];
    return {
      measure: m.name, friendly: m.friendly, a: va, b: vb, delta: vb - va, relative: va === 0 ? null : (vb - va) / va,
      t, p_ttest: p, ci95: [ci.low, ci.high], p_permutation: permutationTest(diffs, opts.samples, opts.seed), ...winTieLoss(diffs),
    };
  });
  return { queries: qids.length, metrics };
}
