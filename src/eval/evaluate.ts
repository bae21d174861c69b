import { RerankError } from '../errors.js';
import { parseMeasures, type Measure } from './measures.js';
import { compareBytes, rankedRelevance } from './rank.js';
import type { EvalResult, Qrels, Run, Scores } from './types.js';

export interface EvaluateOptions {
  /** trec_eval measure names or friendly names; default DEFAULT_MEASURES. */
  measures?: string[];
  /** `-l`: smallest qrels value that counts as relevant (default 1). */
  relevanceLevel?: number;
  /** `-c`: average over every query in the qrels; queries the run lacks score 0. */
  complete?: boolean;
  /** Add friendly names (nDCG@10, MRR, ...) beside trec_eval's names. Default true. */
  friendly?: boolean;
}

/** Scores of one query, keyed by trec_eval name (and friendly name when asked). */
function scoreQuery(measures: Measure[], judged: Map<string, number>, scores: Map<string, number> | undefined, level: number, friendly: boolean): Scores {
  const q = { rels: rankedRelevance(scores, judged), judged: [...judged.values()], relevanceLevel: level };
  const out: Scores = {};
  for (const m of measures) {
    out[m.name] = m.compute(q);
    if (friendly && m.friendly !== m.name) out[m.friendly] = out[m.name];
  }
  return out;
}

/**
 * trec_eval's main loop: every query in the qrels that the run answers (all of them with `complete`),
 * including queries whose judgments hold no relevant document (they score 0), averaged arithmetically.
 */
export function evaluate(qrels: Qrels, run: Run, opts: EvaluateOptions = {}): EvalResult {
  const measures = parseMeasures(opts.measures);
  const level = opts.relevanceLevel ?? 1;
  const friendly = opts.friendly ?? true;
  const per_query: Record<string, Scores> = {};
  for (const qid of [...qrels.keys()].sort(compareBytes)) {
    const scores = run.get(qid);
    if (!scores && !opts.complete) continue;
    per_query[qid] = scoreQuery(measures, qrels.get(qid)!, scores, level, friendly);
  }
  const rows = Object.values(per_query);
  if (rows.length === 0) throw new RerankError('RERANK_BAD_INPUT', 'no query has both results in the run and judgments in the qrels');
  return { all: mean(rows), per_query };
}

function mean(rows: Scores[]): Scores {
  const all: Scores = {};
  for (const key of Object.keys(rows[0])) all[key] = rows.reduce((s, r) => s + r[key], 0) / rows.length;
  return all;
}
