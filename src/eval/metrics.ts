/**
 * Per-query measures with trec_eval 9.0's exact semantics (m_*.c in usnistgov/trec_eval):
 * - a document is relevant when its qrels value >= relevanceLevel (`-l`, default 1);
 * - nDCG uses the raw qrels value as a linear gain, discount log2(rank + 1), and ignores `-l`:
 *   the ideal ranking is built from every judged document with a positive value;
 * - cutoffs beyond the end of the ranking count the missing ranks as non-relevant;
 * - a query with no relevant document scores 0 on every measure.
 */

export interface QueryJudgments {
  /** Relevance of the retrieved documents, in rank order. */
  rels: number[];
  /** Every judged value for the query (the ideal ranking and the relevant count come from here). */
  judged: readonly number[];
  relevanceLevel: number;
}

export function numRelevant(q: QueryJudgments): number {
  let n = 0;
  for (const r of q.judged) if (r >= q.relevanceLevel) n++;
  return n;
}

function relevantIn(q: QueryJudgments, k: number): number {
  let n = 0;
  const end = Math.min(k, q.rels.length);
  for (let i = 0; i < end; i++) if (q.rels[i] >= q.relevanceLevel) n++;
  return n;
}

function dcg(gains: number[], k: number): number {
  let sum = 0;
  const end = Math.min(k, gains.length);
  for (let i = 0; i < end; i++) if (gains[i] > 0) sum += gains[i] / Math.log2(i + 2);
  return sum;
}

/** ndcg_cut_k (k = Infinity gives trec_eval's `ndcg`). */
export function ndcgAt(q: QueryJudgments, k: number): number {
  const ideal = [...q.judged].filter((g) => g > 0).sort((a, b) => b - a);
  const idcg = dcg(ideal, k);
  const value = dcg(q.rels, k);
  return idcg > 0 ? value / idcg : value;
}

/** P_k: relevant in the top k divided by k (not by the number retrieved). */
export function precisionAt(q: QueryJudgments, k: number): number {
  return relevantIn(q, k) / k;
}

export function recallAt(q: QueryJudgments, k: number): number {
  const total = numRelevant(q);
  return total === 0 ? 0 : relevantIn(q, k) / total;
}

/** success_k, a.k.a. hit rate@k. */
export function successAt(q: QueryJudgments, k: number): number {
  return relevantIn(q, k) > 0 ? 1 : 0;
}

/** recip_rank (k = Infinity) or MRR@k: 1/rank of the first relevant document within the top k. */
export function reciprocalRank(q: QueryJudgments, k = Infinity): number {
  const end = Math.min(k, q.rels.length);
  for (let i = 0; i < end; i++) if (q.rels[i] >= q.relevanceLevel) return 1 / (i + 1);
  return 0;
}

/** map: sum of precision at each relevant retrieved document, over all relevant documents. */
export function averagePrecision(q: QueryJudgments): number {
  let found = 0;
  let sum = 0;
  q.rels.forEach((r, i) => {
    if (r >= q.relevanceLevel) sum += ++found / (i + 1);
  });
  return found === 0 ? 0 : sum / numRelevant(q);
}
