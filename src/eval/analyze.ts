import { RerankError } from '../errors.js';
import { evaluate } from './evaluate.js';
import { parseMeasure } from './measures.js';
import { trecOrder } from './rank.js';
import type { Qrels, Run } from './types.js';

/** A document that moved into or out of the top `depth` between the baseline and the run. */
export interface Move {
  docid: string;
  relevance: number | null;
  /** 1-based rank, or null when the list does not contain the document. */
  from: number | null;
  to: number | null;
}

export type ErrorClass = 'relevant_demoted' | 'irrelevant_promoted' | 'reordered' | 'unchanged' | 'improved';

export interface QueryAnalysis {
  qid: string;
  baseline: number;
  run: number;
  delta: number;
  class: ErrorClass;
  /** Relevant documents in the baseline's top `depth` that fell out of the run's top `depth`. */
  relevant_demoted: Move[];
  /** Non-relevant (or unjudged) documents the run put in its top `depth` from outside the baseline's. */
  irrelevant_promoted: Move[];
}

export interface Analysis {
  measure: string;
  depth: number;
  summary: Record<ErrorClass, number>;
  queries: QueryAnalysis[];
}

export interface AnalyzeOptions {
  measure?: string;
  depth?: number;
  relevanceLevel?: number;
}

function ranks(scores: Map<string, number> | undefined): Map<string, number> {
  return new Map(trecOrder(scores ?? new Map()).map((id, i) => [id, i + 1]));
}

function moves(judged: Map<string, number>, base: Map<string, number>, run: Map<string, number>, depth: number, level: number) {
  const inTop = (r: Map<string, number>, id: string) => (r.get(id) ?? Infinity) <= depth;
  const move = (id: string): Move => ({ docid: id, relevance: judged.get(id) ?? null, from: base.get(id) ?? null, to: run.get(id) ?? null });
  const isRel = (id: string) => (judged.get(id) ?? -1) >= level;
  const demoted = [...base.keys()].filter((id) => inTop(base, id) && isRel(id) && !inTop(run, id)).map(move);
  const promoted = [...run.keys()].filter((id) => inTop(run, id) && !isRel(id) && !inTop(base, id)).map(move);
  return { demoted, promoted };
}

/** Why a query changed: losing a relevant document outranks gaining a non-relevant one. */
function classify(delta: number, demoted: Move[], promoted: Move[]): ErrorClass {
  if (delta > 1e-9) return 'improved';
  if (delta >= -1e-9) return demoted.length || promoted.length ? 'reordered' : 'unchanged';
  if (demoted.length) return 'relevant_demoted';
  return promoted.length ? 'irrelevant_promoted' : 'reordered';
}

/** Per-query error analysis of `run` against `baseline`, the worst queries first. */
export function analyzeRuns(qrels: Qrels, baseline: Run, run: Run, opts: AnalyzeOptions = {}): Analysis {
  const spec = opts.measure ?? 'ndcg_cut_10';
  const measure = parseMeasure(spec)[0]?.name;
  if (!measure) throw new RerankError('RERANK_BAD_OPTION', `"${spec}" has no per-query value to analyze (try ndcg_cut_10, map, recip_rank)`);
  const depth = opts.depth ?? 10;
  const level = opts.relevanceLevel ?? 1;
  const base = { measures: [spec], relevanceLevel: level, complete: true, friendly: false };
  const answered = new Map([...qrels].filter(([qid]) => baseline.has(qid) || run.has(qid)));
  const [ea, eb] = [evaluate(answered, baseline, base), evaluate(answered, run, base)];
  const summary: Record<ErrorClass, number> = { relevant_demoted: 0, irrelevant_promoted: 0, reordered: 0, unchanged: 0, improved: 0 };
  const queries = Object.keys(ea.per_query).map((qid): QueryAnalysis => {
    const [a, b] = [ea.per_query[qid][measure], eb.per_query[qid][measure]];
    const { demoted, promoted } = moves(qrels.get(qid)!, ranks(baseline.get(qid)), ranks(run.get(qid)), depth, level);
    const cls = classify(b - a, demoted, promoted);
    summary[cls]++;
    return { qid, baseline: a, run: b, delta: b - a, class: cls, relevant_demoted: demoted, irrelevant_promoted: promoted };
  });
  queries.sort((x, y) => x.delta - y.delta || x.qid.localeCompare(y.qid));
  return { measure, depth, summary, queries };
}
