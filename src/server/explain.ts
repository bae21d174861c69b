import { RerankError } from '../errors.js';
import { explainByOcclusion, maxCallsOf, type GroupScorer } from '../explain/occlusion.js';
import { docText, pairOptions } from '../rerank-input.js';
import { isPairScorer, type DocInput, type PairOptions, type RerankOptions } from '../types.js';

/** What of a rerank request its explanation needs (serve.ts's RerankRequest has it). */
interface Asked { query: string; documents: DocInput[]; options: RerankOptions }
import type { RequestControl, RerankOutcome, ServedModel } from './served-model.js';
import { Limiter } from '../util/limit.js';

/** List-reranker calls an explanation keeps in flight at once. */
const LIST_CALLS = 4;

/** The most extra pairs one request's explanation may ask for (a request's own cap may only be lower). */
export const SERVER_MAX_EXPLAIN_CALLS = 8192;

/**
 * Occluded texts take the served model's one path: a pair scorer's through the score cache and the
 * micro-batcher (merged with other requests' pairs), any other reranker through its queue slot.
 */
function servedScorer(model: ServedModel, options: PairOptions, ctl: RequestControl): GroupScorer {
  if (isPairScorer(model.reranker)) {
    return {
      independent: true,
      async score(groups) {
        const { scores } = await model.scorePairs(groups.flatMap((g) => g.texts.map((t): [string, string] => [g.query, t])), options, ctl);
        let k = 0;
        return groups.map((g) => g.texts.map(() => scores[k++]!.score));
      },
    };
  }
  return {
    independent: false,
    // A few at a time: each call takes one of the model's queue slots.
    score: (groups) => new Limiter(LIST_CALLS).map(groups, async (g) => {
      const out = new Array<number>(g.texts.length);
      for (const r of (await model.rerank(g.query, g.texts, options, ctl)).results) out[r.index] = r.score;
      return out;
    }),
  };
}

/** Adds explanations to a finished rerank outcome when the request asked for them; their time counts in `totalMs`. */
export async function addExplanations(model: ServedModel, req: Asked, outcome: RerankOutcome, ctl: RequestControl): Promise<RerankOutcome> {
  if (!req.options.explain) return outcome;
  const maxCalls = maxCallsOf(req.options.explain);
  if (maxCalls > SERVER_MAX_EXPLAIN_CALLS) throw new RerankError('RERANK_LIMIT', `explain max_calls is ${maxCalls}; this server allows at most ${SERVER_MAX_EXPLAIN_CALLS}`);
  const t0 = performance.now();
  const texts = req.documents.map((d, i) => docText(d, i));
  const results = await explainByOcclusion(req.query, texts, outcome.results, servedScorer(model, pairOptions(req.options), ctl), maxCalls);
  return { ...outcome, results, timings: { ...outcome.timings, totalMs: outcome.timings.totalMs + (performance.now() - t0) } };
}
