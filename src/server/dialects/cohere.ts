import { docText, errorResponses, int, num, requestId, rerankAnswer, str, type DialectRoute } from './common.js';
import { explainOption, explainSchema, explanationOf, explanationSchema, type ExplainField } from './explain.js';

interface V1Body extends ExplainField {
  model?: string; query: string; documents: unknown[]; top_n?: number; return_documents?: boolean;
  rank_fields?: string[]; max_chunks_per_doc?: number;
}
interface V2Body extends ExplainField { model?: string; query: string; documents: string[]; top_n?: number; max_tokens_per_doc?: number }

const NAMES = { topK: 'top_n', maxChunksPerDoc: 'max_chunks_per_doc', maxTokensPerDoc: 'max_tokens_per_doc' };

// Value checks (top_n >= 1, ...) are left to the shared option checks, so a server client and a library
// caller get the same error for the same mistake; the schemas check types only.
const common = {
  model: { type: 'string', description: 'Served model name or alias; the first served model when absent' },
  query: { type: 'string' },
  top_n: { type: 'integer', description: 'Return the best top_n results (>= 1; larger than the document count means all)' },
  explain: explainSchema,
} as const;

const metaSchema = {
  type: 'object',
  properties: {
    api_version: { type: 'object', properties: { version: str } },
    billed_units: { type: 'object', properties: { search_units: int } },
    tokens: { type: 'object', properties: { input_tokens: int, output_tokens: int } },
  },
} as const;
const cohereErrors = errorResponses({ message: str, detail: { type: 'string', description: 'the same message, where Jina (FastAPI) clients read it' } }, 'Cohere/Jina error');

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
      max_chunks_per_doc: { type: 'integer', description: 'Score a long document by its best window, at most this many windows' },
    },
  },
  response: {
    200: {
      type: 'object', required: ['id', 'results'],
      properties: {
        id: str, model: str,
        results: { type: 'array', items: { type: 'object', required: ['index', 'relevance_score'], properties: { index: int, relevance_score: num, document: { type: 'object', additionalProperties: true }, explanation: explanationSchema } } },
        usage: { type: 'object', properties: { total_tokens: int, prompt_tokens: int, completion_tokens: int } },
        meta: metaSchema,
      },
    },
    ...cohereErrors,
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
      max_tokens_per_doc: { type: 'integer', description: 'Cut each document to this many tokens before pairing it with the query' },
    },
  },
  response: {
    200: {
      type: 'object', required: ['id', 'results', 'meta'],
      properties: { id: str, results: { type: 'array', items: { type: 'object', required: ['index', 'relevance_score'], properties: { index: int, relevance_score: num, explanation: explanationSchema } } }, meta: metaSchema },
    },
    ...cohereErrors,
  },
} as const;

const meta = (version: string, tokens: number) => ({
  api_version: { version },
  billed_units: { search_units: 1 },
  tokens: { input_tokens: tokens, output_tokens: 0 },
});

/** Cohere v1 returns `{text}` for a string document and the object itself otherwise. */
const returned = (doc: unknown) => (typeof doc === 'string' ? { text: doc } : doc);

export const cohereV1: DialectRoute<V1Body> = {
  url: '/v1/rerank',
  schema: v1Schema,
  dialect: 'cohere',
  toRequest: (b) => ({
    op: 'rerank', model: b.model, field: 'documents', names: NAMES, query: b.query,
    documents: b.documents.map((d, i) => docText(d, i, b.rank_fields)),
    options: { topK: b.top_n, maxChunksPerDoc: b.max_chunks_per_doc, explain: explainOption(b.explain) },
  }),
  toBody: (answer, b) => {
    const { model, outcome } = rerankAnswer(answer);
    const tokens = outcome.tokens;
    return {
      id: requestId(),
      model: model.name,
      results: outcome.results.map((r) => ({ index: r.index, relevance_score: r.score, ...(b.return_documents ? { document: returned(b.documents[r.index]) } : {}), ...explanationOf(r) })),
      // Cohere's meta, Jina's usage.total_tokens, and OpenAI-style prompt/completion tokens (Together, the AI SDK).
      usage: { total_tokens: tokens, prompt_tokens: tokens, completion_tokens: 0 },
      meta: meta('1', tokens),
    };
  },
};

export const cohereV2: DialectRoute<V2Body> = {
  url: '/v2/rerank',
  schema: v2Schema,
  dialect: 'cohere',
  toRequest: (b) => ({
    op: 'rerank', model: b.model, field: 'documents', names: NAMES, query: b.query, documents: b.documents,
    options: { topK: b.top_n, maxTokensPerDoc: b.max_tokens_per_doc, explain: explainOption(b.explain) },
  }),
  toBody: (answer) => {
    const { outcome } = rerankAnswer(answer);
    return {
      id: requestId(),
      results: outcome.results.map((r) => ({ index: r.index, relevance_score: r.score, ...explanationOf(r) })),
      meta: meta('2', outcome.tokens),
    };
  },
};
