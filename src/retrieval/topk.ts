import { bestFirst, type Indexed } from '../util/scores.js';

/** Top-k selection shared by BM25 and exact vector search, in `bestFirst` order (equal scores: Lucene's doc-id order). */

export type Ranked = Indexed;

/**
 * The k best entries of `scores` among `candidates` (or all indexes). A bounded min-heap keeps this
 * O(n log k), so a 1M-document corpus does not sort a 1M-element array per query.
 */
export function topK(scores: ArrayLike<number>, k: number, candidates?: Iterable<number>): Ranked[] {
  if (k <= 0) return [];
  const heap: Ranked[] = [];
  const consider = (index: number): void => {
    const score = scores[index]!;
    if (heap.length < k) {
      heap.push({ index, score });
      siftUp(heap, heap.length - 1);
    } else if (bestFirst({ index, score }, heap[0]!) < 0) {
      heap[0] = { index, score };
      siftDown(heap, 0);
    }
  };
  if (candidates) for (const i of candidates) consider(i);
  else for (let i = 0; i < scores.length; i++) consider(i);
  return heap.sort(bestFirst);
}

/** Heap order: the worst entry (by bestFirst) at the root. */
function worse(a: Ranked, b: Ranked): boolean {
  return bestFirst(a, b) > 0;
}

function siftUp(h: Ranked[], i: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!worse(h[i]!, h[p]!)) return;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

function siftDown(h: Ranked[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && worse(h[l]!, h[m]!)) m = l;
    if (r < h.length && worse(h[r]!, h[m]!)) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m]!, h[i]!];
    i = m;
  }
}
