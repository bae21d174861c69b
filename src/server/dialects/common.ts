import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { RerankError } from '../../errors.js';
import type { ScoredPair } from '../../types.js';
import type { ModelPool } from '../pool.js';
import type { ScoreOutcome, ServedModel } from '../served-model.js';
import type { ServeLimits } from '../settings.js';

/** What every dialect's routes need. */
export interface RouteContext {
  pool: ModelPool;
  limits: ServeLimits;
}

export interface Ranked { index: number; score: number; raw: number }

/** The text a document contributes: a string, its `text`, or Cohere's `rank_fields` joined as `key: value` lines. */
export function docText(doc: unknown, i: number, rankFields?: string[]): string {
  if (typeof doc === 'string') return doc;
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const o = doc as Record<string, unknown>;
    if (rankFields?.length) return rankFields.filter((f) => o[f] !== undefined).map((f) => `${f}: ${fieldText(o[f])}`).join('\n');
    if (typeof o.text === 'string') return o.text;
  }
  throw new RerankError('RERANK_BAD_DOCUMENT', `documents[${i}] must be a string or an object with a string "text" field`);
}

function fieldText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Empty inputs, configured limits and top_n: the checks every dialect shares; `field` is the dialect's name for the texts. */
export function checkInput(limits: ServeLimits, query: string, texts: string[], topN?: number, field = 'documents'): void {
  if (query.trim() === '') throw new RerankError('RERANK_EMPTY_QUERY');
  if (texts.length === 0) throw new RerankError('RERANK_NO_DOCUMENTS', `${field} must be a non-empty list`);
  if (query.length > limits.maxQueryChars) {
    throw new RerankError('RERANK_LIMIT', `query has ${query.length} characters; maxQueryChars is ${limits.maxQueryChars}`);
  }
  if (texts.length > limits.maxDocuments) {
    throw new RerankError('RERANK_LIMIT', `${texts.length} ${field}; maxDocuments is ${limits.maxDocuments}`);
  }
  const long = texts.findIndex((t) => t.length > limits.maxDocumentChars);
  if (long >= 0) {
    throw new RerankError('RERANK_LIMIT', `${field}[${long}] has ${texts[long]!.length} characters; maxDocumentChars is ${limits.maxDocumentChars}`);
  }
  if (topN !== undefined && (!Number.isInteger(topN) || topN < 1)) {
    throw new RerankError('RERANK_BAD_INPUT', `top_n must be an integer >= 1 (got ${topN})`);
  }
}

/**
 * The raw model output as a single number: the logit for 1-label models, the log-odds of the relevant
 * class for 2-label ones (so sigmoid(raw) = score either way), the score when a backend has no logits.
 */
export function rawScore(p: ScoredPair): number {
  if (p.logits.length === 1) return p.logits[0]!;
  if (p.logits.length === 2) return p.logits[1]! - p.logits[0]!;
  return p.score;
}

/** Best first (ties keep input order), cut to `topN` (larger values mean all). */
export function ranked(scores: ScoredPair[], topN?: number): Ranked[] {
  const all = scores.map((p, index) => ({ index, score: p.score, raw: rawScore(p) }));
  all.sort((a, b) => b.score - a.score || a.index - b.index);
  return topN === undefined ? all : all.slice(0, topN);
}

/** Picks the model, scores one query against many texts and sets the timing headers. */
export async function scoreQuery(ctx: RouteContext, reply: FastifyReply, modelName: string | undefined, query: string, texts: string[]): Promise<{ model: ServedModel; outcome: ScoreOutcome }> {
  const model = ctx.pool.get(modelName);
  const outcome = await model.scorePairs(texts.map((t) => [query, t]));
  timingHeaders(reply, outcome);
  return { model, outcome };
}

export function timingHeaders(reply: FastifyReply, o: ScoreOutcome): void {
  const t = o.timings;
  const ms = (x: number) => x.toFixed(2);
  reply.header('server-timing', `queue;dur=${ms(t.queueMs)}, tokenize;dur=${ms(t.tokenizeMs)}, inference;dur=${ms(t.inferenceMs)}, total;dur=${ms(t.totalMs)}`);
  reply.header('x-rerankit-queue-ms', ms(t.queueMs));
  reply.header('x-rerankit-tokenize-ms', ms(t.tokenizeMs));
  reply.header('x-rerankit-inference-ms', ms(t.inferenceMs));
  reply.header('x-rerankit-total-ms', ms(t.totalMs));
  reply.header('x-rerankit-tokens', String(o.tokens));
  reply.header('x-rerankit-cache-hits', String(o.cacheHits));
}

export function requestId(): string {
  return randomUUID();
}
