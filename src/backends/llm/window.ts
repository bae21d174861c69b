/**
 * RankGPT's sliding window: windows of `window` items from the bottom of the list to the top, moving
 * up by `stride`; each window is reordered by `rankWindow`. The last window is clipped at the top, so
 * lists shorter than the window get exactly one window and position 0 is always covered (RankGPT's
 * reference loop skips the head when (n - window) is not a multiple of the stride).
 *
 * Guarantee with a perfect window ranker: after one pass the top min(n, window - stride) items are the
 * true best in the true order: a true top item ranks within the top (window - stride) of every window
 * that contains it, which is inside the next window up, so it is carried to the head.
 */
export type WindowRanker = (items: number[]) => Promise<number[]>;

export interface WindowOptions {
  window: number;
  stride: number;
  /** Only the first `depth` items are reranked; the rest keep their order (default: all). */
  depth?: number;
}

export async function slidingWindow(order: number[], o: WindowOptions, rankWindow: WindowRanker): Promise<number[]> {
  const list = [...order];
  const end0 = Math.min(list.length, o.depth ?? list.length);
  for (const [start, end] of windows(end0, o.window, o.stride)) {
    const items = list.slice(start, end);
    const ranked = await rankWindow(items);
    list.splice(start, items.length, ...keepPermutation(items, ranked));
  }
  return list;
}

/** [start, end) of each window, bottom first; no window for a single item (nothing to order). */
export function windows(n: number, window: number, stride: number): [number, number][] {
  const out: [number, number][] = [];
  if (n < 2) return out;
  for (let end = n; ; end -= stride) {
    const start = Math.max(0, end - window);
    out.push([start, end]);
    if (start === 0) return out;
  }
}

/** A ranker answer that is not a permutation of its items is ignored rather than trusted. */
function keepPermutation(items: number[], ranked: number[]): number[] {
  if (ranked.length !== items.length) return items;
  const want = new Set(items);
  return ranked.every((x) => want.delete(x)) ? ranked : items;
}
