import { RerankError } from '../errors.js';
import { analyzeRuns, type Analysis } from '../eval/analyze.js';
import { compareRuns, type CompareOptions, type Comparison } from '../eval/compare.js';
import { evaluateTrec, toEvalResult, type EvaluateOptions } from '../eval/evaluate.js';
import { bootstrapCI } from '../eval/stats.js';
import type { Qrels, Run, RunTable } from '../eval/types.js';

/**
 * The numbers a report shows, gathered once from the same functions the commands print with
 * (evaluateTrec/toEvalResult for eval, compareRuns and analyzeRuns for compare), so the report and
 * the command's own output cannot disagree. html.ts and markdown.ts only lay it out.
 */

export interface EvalMetricRow {
  measure: string;
  mean: number;
  /** Percentile bootstrap 95% interval of the mean over the queries (stats.ts bootstrapCI). */
  ci95: [number, number] | null;
}

export interface EvalReport {
  kind: 'eval';
  title: string;
  queries: number;
  metrics: EvalMetricRow[];
  /** The first measure's value per query, lowest first (the chart's order). */
  perQuery: { measure: string; values: { qid: string; value: number }[] } | null;
  /** Every retrieved document's score, for the distribution (empty when the run has none). */
  scores: { run: string; score: number }[];
  /** With a reranker: the reranked run against the first stage it reranked (compareRuns, analyzeRuns). */
  rerank?: { comparison: Comparison; analysis: Analysis | null };
  /** With a reranker: each query's rerank call, timed by the command. */
  latency?: Latency;
}

export interface Latency {
  calls: number;
  mean_ms: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Nearest-rank percentile of sorted values. */
const rank = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

export function latencyOf(ms: number[]): Latency | undefined {
  if (!ms.length) return undefined;
  const s = [...ms].sort((x, y) => x - y);
  return { calls: s.length, mean_ms: s.reduce((t, x) => t + x, 0) / s.length, p50_ms: rank(s, 50), p90_ms: rank(s, 90), p99_ms: rank(s, 99), max_ms: s.at(-1)! };
}

export interface CompareReport {
  kind: 'compare';
  title: string;
  a: string;
  b: string;
  comparison: Comparison;
  /** Per-query analysis of the first measure: deltas (worst first), error classes, moved documents. */
  analysis: Analysis | null;
  scores: { run: string; score: number }[];
}

export type ReportModel = EvalReport | CompareReport;

/** Caps the distribution's data: enough for a histogram, small enough for a file one emails. */
const MAX_SCORES = 20000;

function scoresOf(run: Run | RunTable, name: string): { run: string; score: number }[] {
  const out: { run: string; score: number }[] = [];
  const lists = run instanceof Map ? [...run.values()].map((m) => [...m.values()]) : [...run.topics.values()].map((t) => t.sims);
  const total = lists.reduce((s, l) => s + l.length, 0);
  const step = Math.max(1, Math.ceil(total / MAX_SCORES)); // an even sample of a big run
  let i = 0;
  for (const list of lists) for (const score of list) if (i++ % step === 0 && Number.isFinite(score)) out.push({ run: name, score });
  // A run whose scores are all one value (e.g. 0, or ranks only) has no distribution worth drawing.
  return new Set(out.map((s) => s.score)).size > 1 ? out : [];
}

export interface EvalReportOptions extends EvaluateOptions {
  title: string;
  samples?: number;
  seed?: number;
  /** The first-stage run a reranker reordered, and the rerank calls' times. */
  firstStage?: Run;
  latencyMs?: number[];
}

export function evalReport(qrels: Qrels, run: Run | RunTable, opts: EvalReportOptions): EvalReport {
  // trec_eval's names only (as --table lists them): the friendly aliases --json adds would repeat each row.
  const result = toEvalResult(evaluateTrec(qrels, run, opts), false);
  const qids = Object.keys(result.per_query);
  const metrics = Object.entries(result.all)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([measure, mean]): EvalMetricRow => {
      const values = qids.map((q) => result.per_query[q][measure]).filter((v): v is number => typeof v === 'number');
      const ci = values.length === qids.length && values.length > 1 ? bootstrapCI(values, opts.samples, opts.seed) : null;
      return { measure, mean, ci95: ci ? [ci.low, ci.high] : null };
    });
  const first = metrics.find((m) => m.ci95);
  const perQuery = first
    ? { measure: first.measure, values: qids.map((qid) => ({ qid, value: result.per_query[qid][first.measure] })).sort((x, y) => x.value - y.value || x.qid.localeCompare(y.qid)) }
    : null;
  const report: EvalReport = { kind: 'eval', title: opts.title, queries: qids.length, metrics, perQuery, scores: scoresOf(run, opts.title) };
  if (opts.firstStage) {
    const measures = metrics.filter((m) => m.ci95).map((m) => m.measure);
    try {
      const cmp = compareReport(qrels, { name: 'first stage', run: opts.firstStage }, { name: 'reranked', run }, { measures, relevanceLevel: opts.relevanceLevel, samples: opts.samples, seed: opts.seed });
      report.rerank = { comparison: cmp.comparison, analysis: cmp.analysis };
    } catch (e) {
      // compare takes per-query measures only; a set it cannot pair leaves this section out, not the report.
      if (!(e instanceof RerankError)) throw e;
    }
  }
  const latency = latencyOf(opts.latencyMs ?? []);
  if (latency) report.latency = latency;
  return report;
}

/** A columnar run as the Map form analyzeRuns reads. */
function asRun(r: Run | RunTable): Run {
  if (r instanceof Map) return r;
  return new Map([...r.topics].map(([qid, t]) => [qid, new Map(t.docs.map((d, i) => [d, t.sims[i]]))]));
}

export function compareReport(qrels: Qrels, a: { name: string; run: Run | RunTable }, b: { name: string; run: Run | RunTable }, opts: CompareOptions, computed?: Comparison): CompareReport {
  const comparison = computed ?? compareRuns(qrels, a.run, b.run, opts); // the command's own figures when it has them
  // analyze's default measure when it is compared, else the first one.
  const first = comparison.metrics.find((m) => m.measure === 'ndcg_cut_10')?.measure ?? comparison.metrics[0]?.measure;
  const analysis = first ? analyzeRuns(qrels, asRun(a.run), asRun(b.run), { measure: first, relevanceLevel: opts.relevanceLevel }) : null;
  return {
    kind: 'compare', title: `${b.name} vs ${a.name}`, a: a.name, b: b.name, comparison, analysis,
    scores: [...scoresOf(a.run, a.name), ...scoresOf(b.run, b.name)],
  };
}
