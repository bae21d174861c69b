import { checkRerankInput, checkRerankOptions, pairOptions } from '../rerank-input.js';
import { isPairScorer, type DocInput, type Explanation, type PairOptions, type Reranker, type RerankOptions, type RerankResult } from '../types.js';
import { explainByOcclusion, maxCallsOf, type GroupScorer } from './occlusion.js';
import { pairReasons } from './pair.js';
import { Limiter } from '../util/limit.js';

/** List-reranker calls an explanation keeps in flight at once. */
const LIST_CALLS = 4;

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
  if (isPairScorer(r)) {
    return {
      independent: true,
      async score(groups) {
        const scored = await r.score(groups.flatMap((g) => g.texts.map((t): [string, string] => [g.query, t])), o);
        let k = 0;
        return groups.map((g) => g.texts.map(() => scored[k++]!.score));
      },
    };
  }
  return {
    independent: false,
    score: (groups) => new Limiter(LIST_CALLS).map(groups, async (g) => {
      const out = new Array<number>(g.texts.length);
      for (const res of await r.rerank(g.query, g.texts, o)) out[res.index] = res.score;
      return out;
    }),
  };
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
