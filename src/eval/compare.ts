import { RerankError } from '../errors.js';
import { evaluate } from './evaluate.js';
import { perQueryMeasures, planMeasures, type Measure } from './measures.js';
import { bootstrapCI, bootstrapTest, holmAdjust, pairedEffectSize, pairedTTest, permutationTest, winTieLoss } from './stats.js';
import type { EvalResult, Qrels, Run, RunTable } from './types.js';

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
  /** Cohen's d of the paired differences (d_z). */
  effect_size: number;
  wins: number;
  ties: number;
  losses: number;
}

export interface Comparison {
  queries: number;
  metrics: MetricComparison[];
}

/** Per-query values of every run over the same queries: every judged query one of the runs answers. */
function paired(qrels: Qrels, runs: (Run | RunTable)[], opts: CompareOptions): { measures: Measure[]; results: EvalResult[]; qids: string[] } {
  const has = (r: Run | RunTable, qid: string) => (r instanceof Map ? r.has(qid) : (r as RunTable).topics.has(qid));
  const answered: Qrels = new Map([...qrels].filter(([qid]) => runs.some((r) => has(r, qid))));
  if (qrels.duplicates) Object.defineProperty(answered, 'duplicates', { value: qrels.duplicates, enumerable: false });
  if (answered.size === 0) throw new RerankError('RERANK_BAD_INPUT', 'no run answers a judged query');
  const measures = perQueryMeasures(planMeasures(opts.measures));
  // -c over the answered queries: a run that lacks one of them is scored as trec_eval -c scores it (0).
  const base = { measures: opts.measures, relevanceLevel: opts.relevanceLevel, complete: true, friendly: false };
  const results = runs.map((r) => evaluate(answered, r, base));
  return { measures, results, qids: Object.keys(results[0].per_query) };
}

const diffsOf = (a: EvalResult, b: EvalResult, qids: string[], m: string) => qids.map((q) => b.per_query[q][m] - a.per_query[q][m]);
const meanOver = (r: EvalResult, qids: string[], m: string) => qids.reduce((s, q) => s + r.per_query[q][m], 0) / qids.length;

/**
 * Compares run B against run A query by query. Queries are paired over every judged query that at
 * least one run answers; a run missing a query scores 0 there (trec_eval -c), so neither run gains
 * by dropping hard queries.
 */
export function compareRuns(qrels: Qrels, a: Run | RunTable, b: Run | RunTable, opts: CompareOptions = {}): Comparison {
  const { measures, results: [ea, eb], qids } = paired(qrels, [a, b], opts);
  const metrics = measures.map((m): MetricComparison => {
    const diffs = diffsOf(ea, eb, qids, m.name);
    const ci = bootstrapCI(diffs, opts.samples, opts.seed);
    const { t, p } = pairedTTest(diffs);
    const [va, vb] = [meanOver(ea, qids, m.name), meanOver(eb, qids, m.name)];
    return {
      measure: m.name, friendly: m.friendly, a: va, b: vb, delta: vb - va, relative: va === 0 ? null : (vb - va) / va,
      t, p_ttest: p, ci95: [ci.low, ci.high], p_permutation: permutationTest(diffs, opts.samples, opts.seed), effect_size: pairedEffectSize(diffs), ...winTieLoss(diffs),
    };
  });
  return { queries: qids.length, metrics };
}

/** ranx's significance tests: paired t-test ("student"), Fisher's randomization test, and the bootstrap. */
export type SignificanceTest = 'ttest' | 'fisher' | 'bootstrap';

export interface CompareManyOptions extends CompareOptions {
  /** Default 'ttest' (ranx's default). */
  test?: SignificanceTest;
  /** Significance threshold on the (corrected) p-value; default 0.05. */
  maxP?: number;
  /** 'holm' (default): Holm–Bonferroni over all pairs of runs, per measure; 'none': raw p-values. */
  correction?: 'holm' | 'none';
}

export interface PairComparison {
  measure: string;
  /** Indices into `runs`, a < b. */
  a: number;
  b: number;
  /** mean(b) − mean(a). */
  delta: number;
  p: number;
  p_adjusted: number;
  significant: boolean;
  /** Cohen's d of the paired differences b − a (d_z). */
  effect_size: number;
  wins: number;
  ties: number;
  losses: number;
}

export interface MultiComparison {
  queries: number;
  test: SignificanceTest;
  correction: 'holm' | 'none';
  max_p: number;
  measures: Measure[];
  /** Each run's label (a, b, c, ... as ranx prints them), name and means. */
  runs: { label: string; name: string; means: Record<string, number> }[];
  pairs: PairComparison[];
  /** Per run and measure: labels of the runs it is significantly better than (ranx's superscripts). */
  better: Record<string, string>[];
}

export const runLabel = (i: number) => (i < 26 ? String.fromCharCode(97 + i) : `r${i + 1}`);

/**
 * Every run against every other one (ranx's compare): the means, and per measure and pair a
 * significance test on the paired per-query differences, Holm–Bonferroni-corrected over the pairs,
 * with Cohen's d and win/tie/loss. Runs are paired over the same queries as compareRuns.
 */
export function compareMany(qrels: Qrels, runs: { name: string; run: Run | RunTable }[], opts: CompareManyOptions = {}): MultiComparison {
  if (runs.length < 2) throw new RerankError('RERANK_BAD_OPTION', `compare needs at least two runs, got ${runs.length}`);
  const test = opts.test ?? 'ttest';
  if (!['ttest', 'fisher', 'bootstrap'].includes(test)) throw new RerankError('RERANK_BAD_OPTION', `test must be ttest, fisher or bootstrap, got ${test}`);
  const correction = opts.correction ?? 'holm';
  const maxP = opts.maxP ?? 0.05;
  const { measures, results, qids } = paired(qrels, runs.map((r) => r.run), opts);
  const pValue = (diffs: number[]) =>
    test === 'ttest' ? pairedTTest(diffs).p : test === 'fisher' ? permutationTest(diffs, opts.samples, opts.seed) : bootstrapTest(diffs, opts.samples, opts.seed);
  const pairs: PairComparison[] = [];
  for (const m of measures) {
    const group: PairComparison[] = [];
    for (let a = 0; a < runs.length; a++) {
      for (let b = a + 1; b < runs.length; b++) {
        const diffs = diffsOf(results[a], results[b], qids, m.name);
        const delta = meanOver(results[b], qids, m.name) - meanOver(results[a], qids, m.name);
        group.push({ measure: m.name, a, b, delta, p: pValue(diffs), p_adjusted: 0, significant: false, effect_size: pairedEffectSize(diffs), ...winTieLoss(diffs) });
      }
    }
    const adjusted = correction === 'holm' ? holmAdjust(group.map((g) => g.p)) : group.map((g) => g.p);
    group.forEach((g, i) => ((g.p_adjusted = adjusted[i]), (g.significant = adjusted[i] <= maxP)));
    pairs.push(...group);
  }
  const summaries = runs.map((r, i) => ({ label: runLabel(i), name: r.name, means: Object.fromEntries(measures.map((m) => [m.name, meanOver(results[i], qids, m.name)])) }));
  const better = runs.map((_, i) =>
    Object.fromEntries(
      measures.map((m) => [
        m.name,
        pairs
          .filter((p) => p.measure === m.name && p.significant && (p.a === i || p.b === i))
          .filter((p) => (p.a === i ? p.delta < 0 : p.delta > 0))
          .map((p) => runLabel(p.a === i ? p.b : p.a))
          .sort()
          .join(''),
      ]),
    ),
  );
  return { queries: qids.length, test, correction, max_p: maxP, measures, runs: summaries, pairs, better };
}
