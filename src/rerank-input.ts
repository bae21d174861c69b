import { RerankError } from './errors.js';
import type { DocInput, PairOptions, RerankOptions, RerankResult } from './types.js';
import { bestFirst } from './util/scores.js';

/**
 * The input checks and result finishing every Reranker shares — backends and pipeline combinators
 * alike — so all of them fail with the same codes and order results the same way.
 */

/** Checks a rerank call's query, documents and options; returns the document texts. */
export function checkRerankInput(query: unknown, documents: unknown, options: RerankOptions = {}): string[] {
  if (typeof query !== 'string' || query.trim() === '') throw new RerankError('RERANK_EMPTY_QUERY');
  if (!Array.isArray(documents) || documents.length === 0) throw new RerankError('RERANK_NO_DOCUMENTS');
  checkRerankOptions(options);
  // A backend cannot explain itself: explanations come from one mechanism around it (src/explain),
  // which strips `explain` before calling here. Reaching a backend with it set means the reranker was
  // built directly, and ignoring the option would succeed silently.
  if (options.explain) throw new RerankError('RERANK_BAD_OPTION', 'explain: this reranker was built directly and cannot explain itself; build it with createReranker(), wrap it with withExplanations(r), or call explainRerank(r, query, documents, options)');
  return documents.map((d, i) => docText(d, i));
}

/** Whether a value is a document: a string, or an object (not an array) with a string `text` field. */
export function isDocInput(d: unknown): d is DocInput {
  return typeof d === 'string' || (!!d && typeof d === 'object' && !Array.isArray(d) && typeof (d as { text?: unknown }).text === 'string');
}

/** The text of document `i`, or RERANK_BAD_DOCUMENT naming it and what it was. */
export function docText(d: unknown, i: number): string {
  if (isDocInput(d)) return typeof d === 'string' ? d : d.text;
  throw new RerankError('RERANK_BAD_DOCUMENT', `document ${i} must be a string or an object with a string "text" field, got ${describe(d)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object without a string "text"' : typeof v;
}

/** What an option is called where it came from (the server's dialects say `top_n`, not `topK`). */
export type OptionNames = Partial<Record<keyof RerankOptions, string>>;

const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

/** Checks every option a rerank call may carry; `names` renames options in messages. */
export function checkRerankOptions(o: RerankOptions = {}, names: OptionNames = {}): void {
  const bad = (key: keyof RerankOptions, want: string) => {
    throw new RerankError('RERANK_BAD_OPTION', `${names[key] ?? key} must be ${want}, got ${JSON.stringify(o[key]) ?? String(o[key])}`);
  };
  if (o.topK !== undefined && !positiveInt(o.topK)) bad('topK', 'a positive integer');
  if (o.threshold !== undefined && !Number.isFinite(o.threshold)) bad('threshold', 'a finite number');
  if (o.maxTokensPerDoc !== undefined && !positiveInt(o.maxTokensPerDoc)) bad('maxTokensPerDoc', 'a positive integer');
  if (o.maxChunksPerDoc !== undefined && !positiveInt(o.maxChunksPerDoc)) bad('maxChunksPerDoc', 'a positive integer');
  if (o.truncate !== undefined && typeof o.truncate !== 'boolean') bad('truncate', 'true or false');
  if (o.truncationDirection !== undefined && o.truncationDirection !== 'left' && o.truncationDirection !== 'right') bad('truncationDirection', '"left" or "right"');
  if (o.returnDocuments !== undefined && typeof o.returnDocuments !== 'boolean') bad('returnDocuments', 'true or false');
  if (o.explain !== undefined && typeof o.explain !== 'boolean' && !isExplainObject(o.explain)) bad('explain', 'true, false or {maxCalls: a positive integer}');
}

const isExplainObject = (e: unknown) => !!e && typeof e === 'object' && !Array.isArray(e)
  && Object.keys(e).every((k) => k === 'maxCalls') && ((e as { maxCalls?: unknown }).maxCalls === undefined || positiveInt((e as { maxCalls?: unknown }).maxCalls));

/**
 * Sorts best first (ties by input order), applies threshold then topK, and attaches documents only on
 * request (a document an inner reranker attached is dropped otherwise).
 */
export function finishResults(results: RerankResult[], documents: DocInput[], o: RerankOptions = {}): RerankResult[] {
  let out = [...results].sort(bestFirst);
  if (o.threshold !== undefined) out = out.filter((r) => r.score >= o.threshold!);
  if (o.topK !== undefined) out = out.slice(0, o.topK);
  return out.map(({ document: _, ...r }) => (o.returnDocuments ? { ...r, document: documents[r.index] } : r));
}

/**
 * The per-request options that change a pair's score (truncation): what a combinator forwards to the
 * rerankers it calls and what the server passes to a pair scorer. Undefined fields are left out.
 */
export function pairOptions(o: PairOptions): PairOptions {
  const out: PairOptions = {};
  if (o.maxTokensPerDoc !== undefined) out.maxTokensPerDoc = o.maxTokensPerDoc;
  if (o.maxChunksPerDoc !== undefined) out.maxChunksPerDoc = o.maxChunksPerDoc;
  if (o.truncate !== undefined) out.truncate = o.truncate;
  if (o.truncationDirection !== undefined) out.truncationDirection = o.truncationDirection;
  return out;
}

/** A stable key for a set of truncation options (absent and undefined fields are the same): cache keys, batch grouping. */
export function optionsKey(o: PairOptions): string {
  return JSON.stringify(pairOptions(o));
}
