import { DEFAULT_PARAMS, RELVALUE_NONPOOL, type ResRels } from './res-rels.js';
import { TREC_MEASURE_BY_NAME } from './trec-measures.js';
import { mrrCut } from './extra-measures.js';

/**
 * Single measures over one query's judged ranking, for callers that have relevance lists rather than
 * runs. They run trec_eval's own code (trec-measures.ts), so they equal what `evaluate` reports:
 * - a document is relevant when its qrels value >= relevanceLevel (`-l`, default 1);
 * - nDCG uses the qrels value as a linear gain, discount log2(rank + 1), and ignores `-l`;
 * - cutoffs beyond the end of the ranking count the missing ranks as non-relevant;
 * - a query with no relevant document scores 0.
 */

export interface QueryJudgments {
  /** Relevance of the retrieved documents, in rank order (negative, or -1, for unjudged ones). */
  rels: number[];
  /** Every judged value for the query (the ideal ranking and the relevant count come from here). */
  judged: readonly number[];
  relevanceLevel: number;
}

function resRels(q: QueryJudgments): ResRels {
  let max = -1;
  for (const r of q.judged) if (r > max) max = r;
  const relLevels: number[] = new Array(max + 1).fill(0);
  for (const r of q.judged) if (r >= 0) relLevels[r]++;
  let numRelLevels = 0;
  let numRel = 0;
  relLevels.forEach((c, i) => {
    if (c) numRelLevels = i + 1;
    if (c && i >= q.relevanceLevel) numRel += c;
  });
  const rels = Int32Array.from(q.rels, (r) => (r < 0 ? RELVALUE_NONPOOL : r));
  let numRelRet = 0;
  for (const r of rels) if (r >= 0 && r >= q.relevanceLevel) numRelRet++;
  return { numRet: rels.length, numRel, numRelRet, numNonpool: 0, numUnjudgedInPool: 0, rels, docs: [], relLevels, numRelLevels };
}

function trec(name: string, q: QueryJudgments, params: number[] = []): number {
  const out = new Float64Array(Math.max(1, params.length));
  TREC_MEASURE_BY_NAME.get(name)!.calc(resRels(q), params, { ...DEFAULT_PARAMS, relevanceLevel: q.relevanceLevel }, out, 0);
  return out[0];
}

export function numRelevant(q: QueryJudgments): number {
  return resRels(q).numRel;
}

/** ndcg_cut_k (k = Infinity gives trec_eval's `ndcg`). */
export function ndcgAt(q: QueryJudgments, k: number): number {
  return k === Infinity ? trec('ndcg', q) : trec('ndcg_cut', q, [k]);
}

/** P_k: relevant in the top k divided by k (not by the number retrieved). */
export function precisionAt(q: QueryJudgments, k: number): number {
  return trec('P', q, [k]);
}

export function recallAt(q: QueryJudgments, k: number): number {
  return trec('recall', q, [k]);
}

/** success_k, a.k.a. hit rate@k. */
export function successAt(q: QueryJudgments, k: number): number {
  return trec('success', q, [k]);
}

/** recip_rank (k = Infinity) or MRR@k: 1/rank of the first relevant document within the top k. */
export function reciprocalRank(q: QueryJudgments, k = Infinity): number {
  if (k === Infinity) return trec('recip_rank', q);
  return mrrCut(k).compute({ rr: resRels(q), p: { ...DEFAULT_PARAMS, relevanceLevel: q.relevanceLevel }, qid: '' });
}

/** map: sum of precision at each relevant retrieved document, over all relevant documents. */
export function averagePrecision(q: QueryJudgments): number {
  return trec('map', q);
}
