import { RerankError } from '../../errors.js';
import type { Dialect } from '../http-errors.js';
import { rawScoreOf } from '../served-model.js';
import type { ServeAnswer, ServeRequest } from '../serve.js';
import { errorResponses, int, num, requestId, rerankAnswer, str, type DialectRoute } from './common.js';
import { explainOption, explainSchema, explanationOf, explanationSchema, type ExplainField } from './explain.js';

/** TEI sends `texts`; Infinity sends `documents`. Both POST /rerank. */
interface RerankBody extends ExplainField {
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
      model: { type: 'string', description: 'Infinity: served model name; the first when absent or "default/not-specified". TEI: ignored' },
      raw_scores: { type: 'boolean', default: false, description: 'Raw scores (log-odds for classifiers) instead of [0,1]' },
      truncate: { type: 'boolean', description: 'TEI: false refuses pairs longer than the model\'s max length (422) instead of cutting them; default true' },
      truncation_direction: { type: 'string', enum: ['Left', 'Right', 'left', 'right'], description: 'TEI: which end of an over-long pair is cut' },
      return_text: { type: 'boolean', default: false, description: 'TEI: include each text' },
      return_documents: { type: 'boolean', default: false, description: 'Infinity: include each document' },
      top_n: { type: 'integer', description: 'Infinity: keep the best top_n' },
      explain: explainSchema,
    },
  },
  response: {
    200: {
      description: 'TEI: a bare array of ranks; Infinity: a "rerank" object',
      oneOf: [
        { type: 'array', items: { type: 'object', required: ['index', 'score'], properties: { index: int, score: num, text: str, explanation: explanationSchema } } },
        {
          type: 'object', required: ['object', 'results', 'model', 'usage', 'id', 'created'],
          properties: {
            object: { type: 'string', enum: ['rerank'] }, id: str, created: int, model: str,
            results: { type: 'array', items: { type: 'object', required: ['relevance_score', 'index'], properties: { relevance_score: num, index: int, document: str, explanation: explanationSchema } } },
            usage: { type: 'object', properties: { prompt_tokens: int, total_tokens: int } },
          },
        },
      ],
    },
    ...errorResponses({
      error: { description: 'TEI: the message; Infinity: {message, type, param, code}' },
      error_type: { type: 'string', enum: ['Unhealthy', 'Backend', 'Overloaded', 'Validation', 'Tokenizer', 'Empty'] },
      detail: { description: 'Infinity 401/422 (FastAPI): the message, or a list of issues' },
    }, 'TEI {error, error_type}; Infinity {error: {message, type, param, code}} or FastAPI {detail}'),
  },
} as const;

/** What Infinity's OpenAPI schema sends for "no model named": the default model. */
const INFINITY_DEFAULT_MODEL = 'default/not-specified';

/** Which dialect a /rerank request speaks, decided from its (parsed) body. */
export function rerankDialect(body: unknown): Dialect {
  return body && typeof body === 'object' && 'documents' in body ? 'infinity' : 'tei';
}

const direction = (d?: string) => (d === undefined ? undefined : d.toLowerCase() === 'left' ? 'left' : 'right');

function toRequest(b: RerankBody): ServeRequest {
  if (rerankDialect(b) === 'infinity') {
    const model = b.model === INFINITY_DEFAULT_MODEL ? undefined : b.model;
    return { op: 'rerank', model, field: 'documents', names: { topK: 'top_n' }, query: b.query, documents: b.documents!, options: { topK: b.top_n, explain: explainOption(b.explain) } };
  }
  // TEI serves one model and ignores fields it does not know, `model` among them.
  return {
    op: 'rerank', field: 'texts', names: { truncationDirection: 'truncation_direction' }, query: b.query, documents: b.texts!,
    options: { truncate: b.truncate, truncationDirection: direction(b.truncation_direction), explain: explainOption(b.explain) },
  };
}

function toBody(answer: ServeAnswer, b: RerankBody): unknown {
  const { model, outcome } = rerankAnswer(answer);
  const value = b.raw_scores ? rawScoreOf : (r: { score: number }) => r.score;
  if (rerankDialect(b) === 'tei') {
    return outcome.results.map((r) => ({ index: r.index, score: value(r), ...(b.return_text ? { text: b.texts![r.index] } : {}), ...explanationOf(r) }));
  }
  return {
    object: 'rerank',
    id: `infinity-${requestId()}`,
    created: Math.floor(Date.now() / 1000),
    model: model.name,
    results: outcome.results.map((r) => ({ relevance_score: value(r), index: r.index, ...(b.return_documents ? { document: b.documents![r.index] } : {}), ...explanationOf(r) })),
    usage: { prompt_tokens: outcome.tokens, total_tokens: outcome.tokens },
  };
}

export const teiInfinity: DialectRoute<RerankBody> = {
  url: '/rerank',
  schema,
  dialect: 'tei',
  dialectOf: rerankDialect,
  invalid: (err) => (err.validation?.[0]?.keyword === 'oneOf'
    ? new RerankError('RERANK_BAD_INPUT', 'send either "texts" (TEI) or "documents" (Infinity), not both and not neither')
    : err),
  toRequest,
  toBody,
};
