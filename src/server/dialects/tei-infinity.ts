import type { FastifyInstance } from 'fastify';
import { RerankError } from '../../errors.js';
import type { Dialect } from '../http-errors.js';
import { checkInput, ranked, requestId, scoreQuery, type RouteContext } from './common.js';

/** TEI sends `texts`; Infinity sends `documents`. Both POST /rerank. */
interface RerankBody {
  model?: string; query: string; texts?: string[]; documents?: string[];
  truncate?: boolean; truncation_direction?: string; raw_scores?: boolean; return_text?: boolean;
  return_documents?: boolean; top_n?: number;
}

const strings = { type: 'array', items: { type: 'string' } } as const;

const schema = {
  summary: 'Hugging Face TEI rerank (body has `texts`) or Infinity rerank (body has `documents`)',
  tags: ['tei', 'infinity'],
  body: {
    type: 'object', required: ['query'],
    oneOf: [{ required: ['texts'] }, { required: ['documents'] }],
    properties: {
      query: { type: 'string' },
      texts: { ...strings, description: 'TEI: the texts to rank' },
      documents: { ...strings, description: 'Infinity: the documents to rank' },
      model: { type: 'string', description: 'Infinity: served model name; the first when absent' },
      raw_scores: { type: 'boolean', default: false, description: 'Scores as raw logits instead of [0,1]' },
      truncate: { type: 'boolean', description: 'TEI: accepted; pairs are always truncated to the model\'s max length' },
      truncation_direction: { type: 'string', enum: ['Left', 'Right', 'left', 'right'] },
      return_text: { type: 'boolean', default: false, description: 'TEI: include each text' },
      return_documents: { type: 'boolean', default: false, description: 'Infinity: include each document' },
      top_n: { type: 'integer', description: 'Infinity: keep the best top_n' },
    },
  },
} as const;

/** Which error shape a /rerank request gets, decided from its (parsed) body. */
export function rerankDialect(body: unknown): Dialect {
  return body && typeof body === 'object' && 'documents' in body ? 'infinity' : 'tei';
}

export function registerTeiInfinity(app: FastifyInstance, ctx: RouteContext): void {
  const opts = { schema, attachValidation: true, config: { dialect: 'tei' as const, dialectOf: rerankDialect } };
  app.post<{ Body: RerankBody }>('/rerank', opts, async (req, reply) => {
    const invalid = req.validationError as (Error & { validation?: { keyword: string }[] }) | undefined;
    if (invalid?.validation?.[0]?.keyword === 'oneOf') {
      throw new RerankError('RERANK_BAD_INPUT', 'send either "texts" (TEI) or "documents" (Infinity), not both and not neither');
    }
    if (invalid) throw invalid;
    const b = req.body;
    return b.documents ? infinity(ctx, reply, b, b.documents) : tei(ctx, reply, b, b.texts!);
  });
}

async function tei(ctx: RouteContext, reply: Parameters<typeof scoreQuery>[1], b: RerankBody, texts: string[]) {
  checkInput(ctx.limits, b.query, texts, undefined, 'texts');
  const { outcome } = await scoreQuery(ctx, reply, b.model, b.query, texts);
  return ranked(outcome.scores).map((r) => ({
    index: r.index, score: b.raw_scores ? r.raw : r.score, ...(b.return_text ? { text: texts[r.index] } : {}),
  }));
}

async function infinity(ctx: RouteContext, reply: Parameters<typeof scoreQuery>[1], b: RerankBody, docs: string[]) {
  checkInput(ctx.limits, b.query, docs, b.top_n);
  const { model, outcome } = await scoreQuery(ctx, reply, b.model, b.query, docs);
  return {
    object: 'rerank',
    id: `infinity-${requestId()}`,
    created: Math.floor(Date.now() / 1000),
    model: model.name,
    results: ranked(outcome.scores, b.top_n).map((r) => ({
      relevance_score: b.raw_scores ? r.raw : r.score, index: r.index, ...(b.return_documents ? { document: docs[r.index] } : {}),
    })),
    usage: { prompt_tokens: outcome.tokens, total_tokens: outcome.tokens },
  };
}
