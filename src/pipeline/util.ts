import { RerankError } from '../errors.js';
import type { DocInput, RerankOptions, RerankResult } from '../types.js';

/** Checks a rerank call's inputs like every backend does, and returns the document texts. */
export function checkInput(query: unknown, documents: unknown, options: RerankOptions = {}): string[] {
  if (typeof query !== 'string' || query.trim() === '') throw new RerankError('RERANK_EMPTY_QUERY');
  if (!Array.isArray(documents) || documents.length === 0) throw new RerankError('RERANK_NO_DOCUMENTS');
  if (options.topK !== undefined && !(Number.isInteger(options.topK) && options.topK > 0)) {
    throw new RerankError('RERANK_BAD_OPTION', `topK must be a positive integer, got ${options.topK}`);
  }
  if (options.threshold !== undefined && !Number.isFinite(options.threshold)) {
    throw new RerankError('RERANK_BAD_OPTION', `threshold must be a finite number, got ${options.threshold}`);
  }
  return documents.map((d, i) => {
    if (typeof d === 'string') return d;
    if (d && typeof d === 'object' && typeof (d as { text?: unknown }).text === 'string') return (d as { text: string }).text;
    throw new RerankError('RERANK_BAD_DOCUMENT', `document ${i} must be a string or an object with a string "text" field`);
  });
}

/** Sorts best first (ties by input order), applies threshold then topK, attaches documents on request. */
export function finish(results: RerankResult[], documents: DocInput[], o: RerankOptions = {}): RerankResult[] {
  let out = [...results].sort((a, b) => b.score - a.score || a.index - b.index);
  if (o.threshold !== undefined) out = out.filter((r) => r.score >= o.threshold!);
  if (o.topK !== undefined) out = out.slice(0, o.topK);
  return out.map(({ document: _, ...r }) => (o.returnDocuments ? { ...r, document: documents[r.index] } : r));
}

/** The first-stage score a document object carries (`{text, score}`), if any. */
export function firstStageScore(d: DocInput): number | undefined {
  const s = typeof d === 'object' ? d.score : undefined;
  return typeof s === 'number' && Number.isFinite(s) ? s : undefined;
}

/** Min-max normalisation to [0, 1]; a constant list maps to all ones. */
export function minMax(xs: readonly number[]): number[] {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return xs.map((x) => (hi > lo ? (x - lo) / (hi - lo) : 1));
}

/** A member's score for every input index (rerankers may return fewer results than documents). */
export function scoresByIndex(results: RerankResult[], n: number): (RerankResult | undefined)[] {
  const out = new Array<RerankResult | undefined>(n).fill(undefined);
  for (const r of results) out[r.index] = r;
  return out;
}
