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
 *
 * The run's scores are the real ones, so a written run evaluates (and fuses) as printed: the
 * reranker's `score` for the reranked head, the first-stage scores without a reranker. Only where no
 * real score can keep the order are scores made up: candidates without scores get `n, n − 1, …`, and
 * the first-stage tail under a reranked head gets `lowest head score − 1, − 2, …`.
 */
export async function rerankCandidates(lists: CandidateList[], reranker: Reranker | undefined, topK: number, onProgress?: Progress): Promise<Run> {
  const run: Run = new Map();
  let done = 0;
  for (const list of lists) {
    const n = list.candidates.length;
    const scores = new Map<string, number>();
    if (reranker && n > 0) {
      const ranked = await reranker.rerank(list.query, list.candidates.map((c) => c.text));
      const head = ranked.slice(0, topK);
      for (const r of head) scores.set(list.candidates[r.index].docid, r.score);
      const inHead = new Set(head.map((r) => r.index));
      const lowest = Math.min(...head.map((r) => r.score));
      let below = 0;
      list.candidates.forEach((c, i) => {
        if (!inHead.has(i)) scores.set(c.docid, lowest - ++below);
      });
    } else if (!reranker) {
      const real = list.candidates.every((c) => typeof c.score === 'number' && Number.isFinite(c.score));
      const order = list.candidates.map((_, i) => i);
      const score = (i: number) => list.candidates[i].score ?? -i; // no scores: keep the list's order
      order.sort((a, b) => score(b) - score(a) || a - b);
      order.forEach((i, rank) => scores.set(list.candidates[i].docid, real ? list.candidates[i].score! : n - rank));
    }
    run.set(list.qid, scores);
    onProgress?.(++done, lists.length);
  }
  return run;
}
