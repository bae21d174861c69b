import { RerankError } from './errors.js';
import type { DocInput, RerankOptions, RerankResult } from './types.js';

/**
 * The input checks and result finishing every Reranker shares — backends and pipeline combinators
 * alike — so all of them fail with the same codes and order results the same way.
 */

/** Checks a rerank call's query, documents and options; returns the document texts. */
export function checkRerankInput(query: unknown, documents: unknown, options: RerankOptions = {}): string[] {
  if (typeof query !== 'string' || query.trim() === '') throw new RerankError('RERANK_EMPTY_QUERY');
  if (!Array.isArray(documents) || documents.length === 0) throw new RerankError('RERANK_NO_DOCUMENTS');
  checkRerankOptions(options);
  return documents.map((d, i) => docText(d, i));
}

export function docText(d: unknown, i: number): string {
  if (typeof d === 'string') return d;
  if (d && typeof d === 'object' && typeof (d as { text?: unknown }).text === 'string') return (d as { text: string }).text;
  throw new RerankError('RERANK_BAD_DOCUMENT', `document ${i} must be a string or an object with a string "text" field, got ${describe(d)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object without a string "text"' : typeof v;
}

export function checkRerankOptions(o: RerankOptions = {}): void {
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK > 0)) throw new RerankError('RERANK_BAD_OPTION', `topK must be a positive integer, got ${o.topK}`);
  if (o.threshold !== undefined && !Number.isFinite(o.threshold)) throw new RerankError('RERANK_BAD_OPTION', `threshold must be a finite number, got ${o.threshold}`);
}

/**
 * Sorts best first (ties by input order), applies threshold then topK, and attaches documents only on
 * request (a document an inner reranker attached is dropped otherwise).
 */
export function finishResults(results: RerankResult[], documents: DocInput[], o: RerankOptions = {}): RerankResult[] {
  let out = [...results].sort((a, b) => b.score - a.score || a.index - b.index);
  if (o.threshold !== undefined) out = out.filter((r) => r.score >= o.threshold!);
  if (o.topK !== undefined) out = out.slice(0, o.topK);
  return out.map(({ document: _, ...r }) => (o.returnDocuments ? { ...r, document: documents[r.index] } : r));
}
