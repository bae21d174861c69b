import { RerankError } from '../../errors.js';
import { sigmoid } from '../../util/scores.js';
import { clamp01 } from './results.js';

/**
 * Each hosted rerank API as data: where it lives, how a request is spelled and how its answer is read.
 * Field names follow each service's public documentation (Cohere v1/v2, Jina, Voyage, Hugging Face TEI,
 * Infinity); `rerankit` is our own server's Cohere-v1 dialect.
 */
export interface Scored {
  index: number;
  /** Relevance in [0, 1]. */
  score: number;
  /** The API's unbounded raw value, only where it returns one (TEI `raw_scores`); never a [0, 1] score. */
  raw?: number;
}

export interface Dialect {
  /** Service name used in errors and the reranker's name. */
  service: string;
  /** Path appended to the base URL. */
  path: string;
  defaultBaseUrl?: string;
  defaultModel?: string;
  /** Environment variables read for the API key, in order. */
  envKeys: string[];
  /** The most documents one request may carry (batches are split to fit). */
  maxDocuments: number;
  request(query: string, texts: string[], model: string | undefined, topN: number | undefined): Record<string, unknown>;
  /** Results of one response, indexes relative to the request's documents. */
  parse(body: unknown, service: string): Scored[];
}

type Json = Record<string, unknown>;

/** Reads `[{index, <scoreField>}]` from `body[listField]` (or the body itself when listField is null). */
function readList(body: unknown, listField: string | null, scoreField: string, service: string): { index: number; value: number }[] {
  const list = listField === null ? body : (body as Json | null)?.[listField];
  if (!Array.isArray(list)) throw new RerankError('RERANK_UPSTREAM', `${service} answered without ${listField ?? 'a JSON array'} (got ${JSON.stringify(body)?.slice(0, 120)})`);
  return list.map((r: Json) => {
    const index = r?.index;
    const value = r?.[scoreField];
    if (!Number.isInteger(index) || typeof value !== 'number') {
      throw new RerankError('RERANK_UPSTREAM', `${service} answered a result without integer index and numeric ${scoreField}: ${JSON.stringify(r)?.slice(0, 120)}`);
    }
    return { index: index as number, value };
  });
}

/** relevance_score already lies in [0, 1]: it is the score; these APIs expose no raw value besides it. */
const relevance = (listField: string) => (body: unknown, service: string): Scored[] =>
  readList(body, listField, 'relevance_score', service).map(({ index, value }) => ({ index, score: clamp01(value) }));

const cohereLike = (extra: Json) => (query: string, texts: string[], model: string | undefined, topN: number | undefined) =>
  ({ model, query, documents: texts, top_n: topN, ...extra });

export const DIALECTS: Record<string, Dialect> = {
  'cohere-v1': {
    service: 'cohere', path: '/v1/rerank', defaultBaseUrl: 'https://api.cohere.com', defaultModel: 'rerank-v3.5',
    envKeys: ['COHERE_API_KEY', 'CO_API_KEY'], maxDocuments: 1000,
    request: cohereLike({ return_documents: false }), parse: relevance('results'),
  },
  'cohere-v2': {
    service: 'cohere', path: '/v2/rerank', defaultBaseUrl: 'https://api.cohere.com', defaultModel: 'rerank-v3.5',
    envKeys: ['COHERE_API_KEY', 'CO_API_KEY'], maxDocuments: 1000,
    request: cohereLike({}), parse: relevance('results'),
  },
  jina: {
    service: 'jina', path: '/v1/rerank', defaultBaseUrl: 'https://api.jina.ai', defaultModel: 'jina-reranker-v2-base-multilingual',
    envKeys: ['JINA_API_KEY'], maxDocuments: 1000,
    request: cohereLike({ return_documents: false }), parse: relevance('results'),
  },
  voyage: {
    service: 'voyage', path: '/v1/rerank', defaultBaseUrl: 'https://api.voyageai.com', defaultModel: 'rerank-2.5',
    envKeys: ['VOYAGE_API_KEY'], maxDocuments: 1000,
    request: (query, texts, model, topN) => ({ model, query, documents: texts, top_k: topN, return_documents: false, truncation: true }),
    parse: relevance('data'),
  },
  tei: {
    // TEI's server default max_client_batch_size is 32; raw_scores gives the logit (our `raw`), we apply the sigmoid TEI would.
    service: 'tei', path: '/rerank', envKeys: ['TEI_API_KEY'], maxDocuments: 32,
    request: (query, texts) => ({ query, texts, raw_scores: true, return_text: false, truncate: true }),
    parse: (body, service) => readList(body, null, 'score', service).map(({ index, value }) => ({ index, score: sigmoid(value), raw: value })),
  },
  infinity: {
    service: 'infinity', path: '/rerank', envKeys: ['INFINITY_API_KEY'], maxDocuments: 1000,
    request: cohereLike({ return_documents: false }), parse: relevance('results'),
  },
  rerankit: {
    service: 'rerankit', path: '/v1/rerank', envKeys: ['RERANKIT_API_KEY'], maxDocuments: 1000,
    request: cohereLike({ return_documents: false }), parse: relevance('results'),
  },
};
