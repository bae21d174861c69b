import { checkRerankInput, checkRerankOptions, pairOptions } from '../rerank-input.js';
import { isPairScorer, type DocInput, type Explanation, type PairOptions, type Reranker, type RerankOptions, type RerankResult } from '../types.js';
import { explainByOcclusion, listGroupScorer, maxCallsOf, pairGroupScorer, type GroupScorer } from './occlusion.js';
import { pairReasons } from './pair.js';

export { explainByOcclusion, maxCallsOf, DEFAULT_MAX_CALLS } from './occlusion.js';
export type { Group, GroupScorer } from './occlusion.js';
export { explainBm25, bm25Terms } from './bm25.js';
export { words, without } from './spans.js';
export { pairReasons } from './pair.js';
export type { PairReason } from './pair.js';

/**
 * How a library call scores occluded texts: a PairScorer through `score(pairs)` (one call, the
 * backend's own batches), any other reranker through `rerank()`, one call per group.
 */
export function scorerOf(r: Reranker, options: PairOptions = {}): GroupScorer {
  const o = pairOptions(options);
  if (isPairScorer(r)) return pairGroupScorer(async (pairs) => (await r.score(pairs, o)).map((s) => s.score));
  return listGroupScorer((query, texts) => r.rerank(query, texts, o));
}

/** `r.rerank(query, documents, options)` with an `explanation` on each result when `options.explain` is set. */
export async function explainRerank(r: Reranker, query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
  checkRerankOptions(options);
  const { explain, ...rest } = options;
  const texts = checkRerankInput(query, documents, rest);
  const results = await r.rerank(query, documents, rest);
  if (!explain) return results;
  return explainByOcclusion(query, texts, results, scorerOf(r, options), maxCallsOf(explain));
}

/** The same reranker, whose `rerank` honours `explain` (everything else is passed through). */
export function withExplanations<R extends Reranker>(r: R): R {
  return new Proxy(r, {
    get(target, prop, receiver) {
      if (prop === 'rerank') return (q: string, d: DocInput[], o?: RerankOptions) => explainRerank(target, q, d, o);
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * Why `a` ranks above (or below) `b` for `query`: both explained in one call, and the spans whose
 * attributions differ most (see pairReasons).
 */
export async function explainPair(r: Reranker, query: string, a: DocInput, b: DocInput, options: RerankOptions & { top?: number } = {}) {
  const { top, ...o } = options;
  const results = await explainRerank(r, query, [a, b], { ...o, explain: o.explain || true, topK: undefined, threshold: undefined });
  const ea = results.find((x) => x.index === 0)!.explanation as Explanation;
  const eb = results.find((x) => x.index === 1)!.explanation as Explanation;
  return { a: ea, b: eb, delta: ea.score - eb.score, reasons: pairReasons(ea, eb, top) };
}
