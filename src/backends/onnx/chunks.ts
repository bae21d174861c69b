import { truncateLongestFirst } from '../../models/truncate.js';

/**
 * Splits a document that does not fit beside the query into overlapping windows that each do, as
 * Cohere and Elasticsearch do for long documents. The query keeps what longest_first would leave it.
 * Returns [query tokens, windows]; a document that fits is one window.
 */
export function chunkWindows(q: number[], d: number[], budget: number, overlapRatio = 0.25): [number[], number[][]] {
  if (q.length + d.length <= budget) return [q, [d]];
  // Against a document of at least the budget's length, longest_first leaves the query min(len, budget/2).
  const [qKeep] = truncateLongestFirst(q.length, Math.max(d.length, budget), budget);
  const size = budget - qKeep;
  const step = Math.max(1, size - Math.floor(size * overlapRatio));
  const windows: number[][] = [];
  for (let start = 0; ; start += step) {
    windows.push(d.slice(start, start + size));
    if (start + size >= d.length) break;
  }
  return [q.slice(0, qKeep), windows];
}
