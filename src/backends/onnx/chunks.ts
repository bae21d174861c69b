import { truncateLongestFirst } from '../../models/truncate.js';

export interface ChunkOptions {
  /** Share of a window that the next one repeats (default 0.25). */
  overlapRatio?: number;
  /**
   * How many tokens of the query and of the document tokenizers' early stop leaves at the max length
   * (PairTokenizer.kept); default: their lengths (exact for texts no longer than the max length).
   */
  kept?: [number, number];
  /** 'left' cuts the query's start and tiles the document from its end, the last tokens first (default 'right'). */
  direction?: 'left' | 'right';
}

/**
 * Splits a document that does not fit beside the query into overlapping windows that each do, as
 * Cohere and Elasticsearch do for long documents. The query keeps what the Rust tokenizer's
 * longest_first truncation leaves it against this document, taken to be at least `budget` tokens
 * long, so the first window is exactly what truncating the pair keeps of a long document.
 * Returns [query tokens, windows]; a document that fits is one window. Windows come in document order
 * (direction 'left': from the end), so the first N are what max_chunks_per_doc = N keeps.
 */
export function chunkWindows(q: number[], d: number[], budget: number, options: ChunkOptions | number = {}): [number[], number[][]] {
  const o = typeof options === 'number' ? { overlapRatio: options } : options;
  if (q.length + d.length <= budget) return [q, [d]];
  const [qLen, dLen] = o.kept ?? [q.length, d.length];
  const [qKeep] = truncateLongestFirst(qLen, Math.max(dLen, budget), budget);
  const size = budget - qKeep;
  const step = Math.max(1, size - Math.floor(size * (o.overlapRatio ?? 0.25)));
  const left = o.direction === 'left';
  const windows: number[][] = [];
  for (let start = 0; ; start += step) {
    windows.push(left ? d.slice(Math.max(0, d.length - start - size), d.length - start) : d.slice(start, start + size));
    if (start + size >= d.length) break;
  }
  return [left ? q.slice(q.length - qKeep) : q.slice(0, qKeep), windows];
}
