import type { DocInput, PairOptions, RerankResult } from '../types.js';

/** The first-stage score a document object carries (`{text, score}`), if any. */
export function firstStageScore(d: DocInput): number | undefined {
  const s = typeof d === 'object' ? d.score : undefined;
  return typeof s === 'number' && Number.isFinite(s) ? s : undefined;
}

/** A member's score for every input index (rerankers may return fewer results than documents). */
export function scoresByIndex(results: RerankResult[], n: number): (RerankResult | undefined)[] {
  const out = new Array<RerankResult | undefined>(n).fill(undefined);
  for (const r of results) out[r.index] = r;
  return out;
}

/**
 * The per-request options that change a pair's score (truncation): what a combinator forwards to the
 * rerankers it calls, and what a cache keys by. Undefined fields are left out.
 */
export function pairOptions(o: PairOptions): PairOptions {
  const out: PairOptions = {};
  if (o.maxTokensPerDoc !== undefined) out.maxTokensPerDoc = o.maxTokensPerDoc;
  if (o.maxChunksPerDoc !== undefined) out.maxChunksPerDoc = o.maxChunksPerDoc;
  if (o.truncate !== undefined) out.truncate = o.truncate;
  if (o.truncationDirection !== undefined) out.truncationDirection = o.truncationDirection;
  return out;
}
