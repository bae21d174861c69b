import { RerankError } from '../errors.js';
import { explainByOcclusion, listGroupScorer, maxCallsOf, pairGroupScorer, type GroupScorer } from '../explain/occlusion.js';
import { docText, pairOptions } from '../rerank-input.js';
import { isPairScorer, type DocInput, type PairOptions, type RerankOptions } from '../types.js';
import type { RequestControl, RerankOutcome, ServedModel } from './served-model.js';

/** What of a rerank request its explanation needs (serve.ts's RerankRequest has it). */
interface Asked { query: string; documents: DocInput[]; options: RerankOptions }

/** The most extra pairs one request's explanation may ask for (a request's own cap may only be lower). */
export const SERVER_MAX_EXPLAIN_CALLS = 8192;

/**
 * Occluded texts take the served model's one path: a pair scorer's through the score cache and the
 * micro-batcher (merged with other requests' pairs), any other reranker through its queue slot.
 */
function servedScorer(model: ServedModel, options: PairOptions, ctl: RequestControl): GroupScorer {
  if (isPairScorer(model.reranker)) return pairGroupScorer(async (pairs) => (await model.scorePairs(pairs, options, ctl)).scores.map((s) => s.score));
  return listGroupScorer(async (query, texts) => (await model.rerank(query, texts, options, ctl)).results);
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
