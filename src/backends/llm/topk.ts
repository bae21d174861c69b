/**
 * The best k of n items under an async comparator, best first, with a binary max-heap: building it
 * costs at most 2n comparisons and each of the k extractions about 2·log2 n, far fewer than a full
 * sort when k is small. `better(i, j)` must be a strict order (ties broken by the caller).
 */
export type Better = (i: number, j: number) => Promise<boolean>;

export async function heapTopK(n: number, k: number, better: Better): Promise<number[]> {
  const heap = Array.from({ length: n }, (_, i) => i);
  for (let i = Math.floor(n / 2) - 1; i >= 0; i--) await siftDown(heap, i, heap.length, better);
  const out: number[] = [];
  for (let size = n; out.length < Math.min(k, n); size--) {
    out.push(heap[0]);
    heap[0] = heap[size - 1];
    await siftDown(heap, 0, size - 1, better);
  }
  return out;
}

async function siftDown(heap: number[], i: number, size: number, better: Better): Promise<void> {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let best = i;
    if (l < size && (await better(heap[l], heap[best]))) best = l;
    if (r < size && (await better(heap[r], heap[best]))) best = r;
    if (best === i) return;
    [heap[i], heap[best]] = [heap[best], heap[i]];
    i = best;
  }
}
