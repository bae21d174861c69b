import type { FastifyInstance } from 'fastify';
import { RerankError } from '../errors.js';
import { explainBm25 } from '../explain/bm25.js';
import { Bm25Retriever } from '../retrieval/retrievers.js';
import type { Retriever } from '../types.js';
import { explainOption, explainSchema, explanationSchema, type ExplainField } from './dialects/explain.js';
import { errorResponses, int, num, rerankAnswer, str } from './dialects/common.js';
import { serve, type ServeContext } from './serve.js';

/**
 * `rerankit serve --index DIR`: the saved index as a first stage in front of the served rerankers.
 * POST /v1/search retrieves `k` candidates and reranks them through the one serve path (batcher,
 * cache, explanations), answering both lists; a BM25 first stage explains its scores exactly.
 */
interface SearchBody extends ExplainField { query: string; k?: number; top_n?: number; model?: string }

const hit = { type: 'object', properties: { id: str, score: num, text: str, explanation: explanationSchema } } as const;

const schema = {
  summary: 'Search the served index (first stage), then rerank the candidates with a served model',
  tags: ['search'],
  body: {
    type: 'object', required: ['query'],
    properties: {
      query: str, model: { type: 'string', description: 'Served model name or alias; the first when absent' },
      k: { type: 'integer', description: 'Candidates from the first stage (default 20, at most maxDocuments)' },
      top_n: { type: 'integer', description: 'Keep the best top_n after reranking' },
      explain: explainSchema,
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        retriever: str, model: str, tokens: int,
        first_stage: { type: 'array', items: hit },
        results: { type: 'array', items: { type: 'object', properties: { ...hit.properties, index: int, first_stage_rank: int } } },
      },
    },
    ...errorResponses({ message: str }, 'error'),
  },
} as const;

const indexSchema = { summary: 'The served index (404 without --index)', tags: ['search'], response: { 200: { type: 'object', properties: { retriever: str, documents: int } }, ...errorResponses({ message: str }, 'error') } } as const;

/** Opens the index (a wrong folder fails at startup) and registers GET /v1/index and POST /v1/search. */
export async function registerSearch(app: FastifyInstance, ctx: ServeContext, dir: string): Promise<void> {
  const { openIndex } = await import('../retrieval/index.js');
  const loadEmbedder = async (model: string) => (await import('../backends/onnx/bi-encoder.js')).BiEncoder.load(model);
  const retriever: Retriever = await openIndex(dir, { loadEmbedder });
  app.addHook('onClose', async () => (retriever as { close?: () => Promise<void> }).close?.());
  const size = (retriever as Partial<Bm25Retriever>).corpus?.ids.length;
  app.get('/v1/index', { schema: indexSchema }, async () => ({ retriever: retriever.name, ...(size !== undefined ? { documents: size } : {}) }));
  app.post('/v1/search', { schema, config: { dialect: 'plain' } }, async (req) => {
    const b = req.body as SearchBody;
    const k = b.k ?? 20;
    if (!Number.isInteger(k) || k < 1) throw new RerankError('RERANK_BAD_OPTION', `k must be a positive integer, got ${k}`);
    const hits = await retriever.search(b.query, Math.min(k, ctx.limits.maxDocuments));
    const explain = explainOption(b.explain);
    const firstStage = hits.map((h) => ({ ...h, ...(explain && retriever instanceof Bm25Retriever ? { explanation: explainBm25(retriever, b.query, h.id) } : {}) }));
    if (hits.length === 0) return { retriever: retriever.name, model: ctx.pool.get(b.model).name, tokens: 0, first_stage: [], results: [] };
    const answer = rerankAnswer(await serve(ctx, {
      op: 'rerank', model: b.model, field: 'candidates', names: { topK: 'top_n' }, query: b.query,
      documents: hits.map((h) => h.text ?? ''), options: { topK: b.top_n, explain },
    }));
    return {
      retriever: retriever.name,
      model: answer.model.name,
      tokens: answer.outcome.tokens,
      first_stage: firstStage,
      results: answer.outcome.results.map((r) => ({ index: r.index, first_stage_rank: r.index + 1, id: hits[r.index]!.id, score: r.score, text: hits[r.index]!.text, ...(r.explanation ? { explanation: r.explanation } : {}) })),
    };
  });
}
