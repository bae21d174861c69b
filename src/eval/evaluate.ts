import { RerankError } from '../errors.js';
import { cFixed } from './c-number.js';
import { planMeasures, type MeasurePlan } from './measures.js';
import { compareBytes } from './rank.js';
import { DEFAULT_PARAMS, formResRels, type EvalParams, type TopicResults } from './res-rels.js';
import { MIN_GEO_MEAN } from './trec-measures.js';
import type { EvalResult, Qrels, Run, RunTable, Scores, SubtopicQrels } from './types.js';

export interface EvaluateOptions {
  /** Measure specs (see measures.ts); default DEFAULT_MEASURES. `['official']` is trec_eval's default. */
  measures?: readonly string[];
  /** `-l`: smallest qrels value that counts as relevant (default 1). */
  relevanceLevel?: number;
  /** `-c`: average over every query in the qrels; a query the run lacks is scored as trec_eval does. */
  complete?: boolean;
  /** `-M`: documents per query kept after sorting. */
  maxRetrieved?: number;
  /** `-J`: measure over judged documents only. */
  judgedOnly?: boolean;
  /** `-N`: documents in the collection (utility's fourth coefficient). */
  numDocsInColl?: number;
  /** Diversity qrels for alpha-nDCG. */
  subtopics?: SubtopicQrels;
  /** Add friendly names (nDCG@10, MRR, ...) beside trec_eval's names. Default true. */
  friendly?: boolean;
}

/** Everything trec_eval would print, in its order: names, per-query values, the summary. */
export interface TrecEvaluation {
  plan: MeasurePlan;
  params: EvalParams;
  queries: { qid: string; values: Float64Array; relstring?: string }[];
  summary: Float64Array;
  runid: string;
}

/** trec_eval's stand-in ranking for a query the run lacks under -c (trec_eval.c). */
const BOGUS: TopicResults = { docs: ['ceci_nest_pas_un_docno'], sims: [1.0] };

function resultsOf(run: Run | RunTable, qid: string): TopicResults | undefined {
  if (!(run instanceof Map)) return (run as RunTable).topics.get(qid);
  const scores = (run as Run).get(qid);
  if (!scores) return undefined;
  const extra = (run as Run).duplicates?.get(qid);
  const docs = [...scores.keys()];
  const sims = [...scores.values()];
  if (extra) for (const [d, s] of extra) docs.push(d), sims.push(s);
  return { docs, sims };
}

function paramsOf(opts: EvaluateOptions): EvalParams {
  return {
    relevanceLevel: opts.relevanceLevel ?? DEFAULT_PARAMS.relevanceLevel,
    maxRetrieved: opts.maxRetrieved ?? DEFAULT_PARAMS.maxRetrieved,
    judgedOnly: opts.judgedOnly ?? false,
    numDocsInColl: opts.numDocsInColl ?? 0,
  };
}

/** Number of value slots of each trec measure, in plan order, and where each starts. */
function layout(plan: MeasurePlan): { offsets: number[]; extraAt: number; size: number } {
  const offsets: number[] = [];
  let at = 0;
  for (const t of plan.trec) offsets.push(at), (at += t.names.length);
  return { offsets, extraAt: at, size: at + plan.extra.length };
}

/**
 * trec_eval's main loop (trec_eval.c): the queries of the qrels in byte order; each one the run answers
 * (every one with `complete`, the missing ones scored on trec_eval's one-document stand-in ranking) gets
 * every measure; then the summary (means, sums, geometric means as each measure defines).
 * A query in the qrels but not in the run is skipped without `complete` (trec_eval 9's rule; 10.0
 * stops with an error there instead); queries only in the run are ignored.
 */
export function evaluateTrec(qrels: Qrels, run: Run | RunTable, opts: EvaluateOptions = {}): TrecEvaluation {
  const plan = planMeasures(opts.measures);
  const p = paramsOf(opts);
  const { offsets, extraAt, size } = layout(plan);
  const needsRels = plan.trec.some((t) => t.def.name !== 'runid' && t.def.name !== 'num_q') || plan.extra.some((e) => !e.subtopics);
  const needsSubtopics = plan.extra.some((e) => e.subtopics);
  if (needsSubtopics && !opts.subtopics) throw new RerankError('RERANK_BAD_OPTION', 'alpha_nDCG needs subtopic qrels (qid subtopic docid rel): --subtopic-qrels, or `subtopics` in the library');
  const queries: TrecEvaluation['queries'] = [];
  const summary = new Float64Array(size);
  const qids = [...qrels.keys()].sort(compareBytes);
  const runid = (run instanceof Map ? (run as Run).runid : (run as RunTable).runid) ?? 'rerankit';
  const sources = { qrels: qrels.source, run: run.source };
  for (const qid of qids) {
    let results = resultsOf(run, qid);
    const bogus = !results;
    if (bogus) {
      if (!opts.complete) continue;
      results = BOGUS;
    }
    const judged = qrels.get(qid)!;
    // A query without a trec measure that reads the ranking still needs a ranking for the extras.
    const rr = formResRels(p, qid, judged, results!, needsRels ? qrels.duplicates?.get(qid) : undefined, sources);
    const values = new Float64Array(size);
    let relstring: string | undefined;
    plan.trec.forEach((t, i) => {
      const s = t.def.calc(rr, t.params, p, values, offsets[i]);
      if (typeof s === 'string') relstring = s;
    });
    const ctx = { rr, p, qid, subtopics: opts.subtopics?.get(qid) };
    plan.extra.forEach((e, i) => (values[extraAt + i] = e.compute(ctx)));
    if (bogus) {
      // trec_eval.c's clean-up after the stand-in ranking, matched by printed name as it does.
      plan.trec.forEach((t, i) =>
        t.names.forEach((name, j) => {
          if (name === 'num_ret' || name === 'utility' || name.startsWith('unj') || name === 'rbp_resid') values[offsets[i] + j] = 0;
          if (name === 'relstring') relstring = '';
        }),
      );
      plan.extra.forEach((e, i) => e.name.startsWith('RBP_resid') && (values[extraAt + i] = 0));
    }
    for (let k = 0; k < size; k++) summary[k] += values[k];
    queries.push({ qid, values, ...(relstring !== undefined ? { relstring } : {}) });
  }
  if (queries.length === 0) throw new RerankError('RERANK_BAD_INPUT', 'no query has both results in the run and judgments in the qrels');
  const n = opts.complete ? qrels.size : queries.length;
  plan.trec.forEach((t, i) => {
    const at = offsets[i];
    for (let j = 0; j < t.names.length; j++) {
      switch (t.def.avg) {
        case 'mean':
          summary[at + j] /= n;
          break;
        case 'gm': {
          let sum = summary[at + j];
          if (opts.complete) sum += (n - queries.length) * Math.log(MIN_GEO_MEAN);
          summary[at + j] = Math.exp(sum / n);
          break;
        }
        case 'num_q':
          summary[at + j] = n;
          break;
        case 'num_rel':
          if (opts.complete) {
            // m_num_rel.c under -c: judgments > 0 over the whole qrels, whatever -l says.
            let c = 0;
            for (const judged of qrels.values()) for (const r of judged.values()) if (r > 0) c++;
            summary[at + j] = c;
          }
          break;
        default:
      }
    }
  });
  for (let i = 0; i < plan.extra.length; i++) summary[extraAt + i] /= n;
  return { plan, params: p, queries, summary, runid };
}

/**
 * Evaluates a run: `{all, per_query}` keyed by trec_eval's names (friendly names beside them unless
 * `friendly: false`). Per query: every measure trec_eval prints per query; `all`: every summary value
 * (num_ret and the other counts are sums, gm_map a geometric mean, as trec_eval prints them).
 */
export function evaluate(qrels: Qrels, run: Run | RunTable, opts: EvaluateOptions = {}): EvalResult {
  return toEvalResult(evaluateTrec(qrels, run, opts), opts.friendly ?? true);
}

export function toEvalResult(ev: TrecEvaluation, friendly = true): EvalResult {
  const { offsets, extraAt } = layout(ev.plan);
  const keys = (pick: 'single' | 'final') => {
    const out: [string, number][] = [];
    ev.plan.trec.forEach((t, i) => {
      if ((pick === 'single' ? t.def.single : t.def.final) !== 'value') return;
      t.names.forEach((name, j) => {
        out.push([name, offsets[i] + j]);
        const f = t.friendly[j];
        if (friendly && f && f !== name) out.push([f, offsets[i] + j]);
      });
    });
    ev.plan.extra.forEach((e, i) => {
      out.push([e.name, extraAt + i]);
      if (friendly && e.friendly && e.friendly !== e.name) out.push([e.friendly, extraAt + i]);
    });
    return out;
  };
  const single = keys('single');
  const per_query: Record<string, Scores> = {};
  for (const q of ev.queries) {
    const s: Scores = {};
    for (const [k, at] of single) s[k] = q.values[at];
    per_query[q.qid] = s;
  }
  const all: Scores = {};
  for (const [k, at] of keys('final')) all[k] = ev.summary[at];
  return { all, per_query };
}

/** C's printf("%-22s", name): padded in bytes, as trec_eval counts them. */
function padName(name: string): string {
  const bytes = Buffer.byteLength(name);
  return bytes < 22 ? name + ' '.repeat(22 - bytes) : name;
}

/**
 * trec_eval's text output, byte for byte: with `perQuery` (-q) each query's lines first, then (unless
 * `summary` is false, -n) the `all` lines. `measure<TAB>qid<TAB>value`, the name left-justified in 22
 * columns, values as %6.4f, counts as %ld, runid and relstring as strings.
 */
export function formatTrecEval(ev: TrecEvaluation, o: { perQuery?: boolean; summary?: boolean } = {}): string {
  const { offsets, extraAt } = layout(ev.plan);
  const out: string[] = [];
  const value = (long: boolean | undefined, x: number) => (long ? String(Math.trunc(x)) : cFixed(x, 4, 6));
  if (o.perQuery) {
    for (const q of ev.queries) {
      ev.plan.trec.forEach((t, i) => {
        if (t.def.single === 'string') out.push(`${padName(t.names[0])}\t${q.qid}\t'${q.relstring ?? ''}'\n`);
        else if (t.def.single === 'value') t.names.forEach((name, j) => out.push(`${padName(name)}\t${q.qid}\t${value(t.def.long, q.values[offsets[i] + j])}\n`));
      });
      ev.plan.extra.forEach((e, i) => out.push(`${padName(e.name)}\t${q.qid}\t${value(false, q.values[extraAt + i])}\n`));
    }
  }
  if (o.summary ?? true) {
    ev.plan.trec.forEach((t, i) => {
      if (t.def.final === 'runid') out.push(`${padName('runid')}\tall\t${ev.runid}\n`);
      else if (t.def.final === 'value') t.names.forEach((name, j) => out.push(`${padName(name)}\tall\t${value(t.def.long, ev.summary[offsets[i] + j])}\n`));
    });
    ev.plan.extra.forEach((e, i) => out.push(`${padName(e.name)}\tall\t${value(false, ev.summary[extraAt + i])}\n`));
  }
  return out.join('');
}
