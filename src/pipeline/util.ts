import type { DocInput, RerankResult } from '../types.js';

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
