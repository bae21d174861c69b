import type { Reranker, Retriever } from '../types.js';
import type { Progress } from '../util/progress.js';
import type { CandidateList, Run } from './types.js';

export type { Progress };

/** First stage: the top `k` hits of every query, with their texts, as candidate lists. */
export async function retrieveCandidates(
  queries: Map<string, string>, retriever: Retriever, k: number, textOf: (id: string) => string | undefined, onProgress?: Progress,
): Promise<CandidateList[]> {
  const out: CandidateList[] = [];
  for (const [qid, query] of queries) {
    const hits = await retriever.search(query, k);
    out.push({ qid, query, candidates: hits.map((h) => ({ docid: h.id, text: h.text ?? textOf(h.id) ?? '', score: h.score })) });
    onProgress?.(out.length, queries.size);
  }
  return out;
}

/**
 * Second stage. Each list is reranked whole; the run holds the reranker's best `topK` first and then
 * the remaining candidates in their first-stage order. Cutoffs up to `topK` measure the reranker,
 * deeper ones (recall_100 over 100 candidates) the candidate set. Without a reranker the run is the
 * candidates' own order. Empty lists are kept as empty rankings.
 */
export async function rerankCandidates(lists: CandidateList[], reranker: Reranker | undefined, topK: number, onProgress?: Progress): Promise<Run> {
  const run: Run = new Map();
  let done = 0;
  for (const list of lists) {
    const order = list.candidates.map((_, i) => i);
    if (reranker && list.candidates.length > 0) {
      const ranked = await reranker.rerank(list.query, list.candidates.map((c) => c.text));
      const head = ranked.slice(0, topK).map((r) => r.index);
      const inHead = new Set(head);
      order.splice(0, order.length, ...head, ...order.filter((i) => !inHead.has(i)));
    } else if (!reranker) {
      const score = (i: number) => list.candidates[i].score ?? -i; // no scores: keep the list's order
      order.sort((a, b) => score(b) - score(a) || a - b);
    }
    run.set(list.qid, new Map(order.map((i, rank) => [list.candidates[i].docid, order.length - rank])));
    onProgress?.(++done, lists.length);
  }
  return run;
}
