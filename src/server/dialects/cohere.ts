import type { FastifyInstance } from 'fastify';
import { checkInput, docText, ranked, requestId, scoreQuery, type RouteContext } from './common.js';

interface V1Body {
  model?: string; query: string; documents: unknown[]; top_n?: number; return_documents?: boolean;
  rank_fields?: string[]; max_chunks_per_doc?: number;
}
interface V2Body { model?: string; query: string; documents: string[]; top_n?: number; max_tokens_per_doc?: number }

const common = {
  model: { type: 'string', description: 'Served model name or alias; the first served model when absent' },
  query: { type: 'string' },
  top_n: { type: 'integer', description: 'Return the best top_n results (>= 1; larger than the document count means all)' },
} as const;

const v1Schema = {
  summary: 'Cohere v1 and Jina rerank (one answer satisfies both readers)',
  tags: ['cohere', 'jina'],
  body: {
    type: 'object', required: ['query', 'documents'],
    properties: {
      ...common,
      documents: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'object' }] } },
      return_documents: { type: 'boolean', default: false },
      rank_fields: { type: 'array', items: { type: 'string' } },
      max_chunks_per_doc: { type: 'integer', minimum: 1, description: 'Accepted; the model\'s own long-document policy applies' },
    },
  },
} as const;

const v2Schema = {
  summary: 'Cohere v2 rerank',
  tags: ['cohere'],
  body: {
    type: 'object', required: ['query', 'documents'],
    properties: {
      ...common,
      documents: { type: 'array', items: { type: 'string' } },
      max_tokens_per_doc: { type: 'integer', minimum: 1, description: 'Accepted; pairs are truncated to the model\'s max length' },
    },
  },
} as const;

const meta = (version: string, tokens: number) => ({
  api_version: { version },
  billed_units: { search_units: 1 },
  tokens: { input_tokens: tokens, output_tokens: 0 },
});

export function registerCohere(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: V1Body }>('/v1/rerank', { schema: v1Schema, config: { dialect: 'cohere' } }, async (req, reply) => {
    const b = req.body;
    const texts = b.documents.map((d, i) => docText(d, i, b.rank_fields));
    checkInput(ctx.limits, b.query, texts, b.top_n);
    const { model, outcome } = await scoreQuery(ctx, reply, b.model, b.query, texts);
    const document = (i: number) => (typeof b.documents[i] === 'string' ? { text: texts[i] } : b.documents[i]);
    return {
      id: requestId(),
      model: model.name,
      results: ranked(outcome.scores, b.top_n).map((r) => ({
        index: r.index, relevance_score: r.score, ...(b.return_documents ? { document: document(r.index) } : {}),
      })),
      usage: { total_tokens: outcome.tokens },
      meta: meta('1', outcome.tokens),
    };
  });

  app.post<{ Body: V2Body }>('/v2/rerank', { schema: v2Schema, config: { dialect: 'cohere' } }, async (req, reply) => {
    const b = req.body;
    checkInput(ctx.limits, b.query, b.documents, b.top_n);
    const { outcome } = await scoreQuery(ctx, reply, b.model, b.query, b.documents);
    return {
      id: requestId(),
      results: ranked(outcome.scores, b.top_n).map((r) => ({ index: r.index, relevance_score: r.score })),
      meta: meta('2', outcome.tokens),
    };
  });
}
