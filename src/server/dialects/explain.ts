import type { ExplainOptions, RerankResult } from '../../types.js';

/**
 * The `explain` request field and the `explanation` result field, the same in every rerank dialect:
 * `explain: true` or `{"max_calls": n}`; each result then carries the library's Explanation as it is
 * (its keys are single words, so there is no case to convert).
 */
export interface ExplainField { explain?: boolean | { max_calls?: number } }

export const explainSchema = {
  description: 'rerankit: add an "explanation" to each result (score attributed to query and document spans, see docs/explain.md); {"max_calls": n} caps the extra pairs scored (default 512)',
  anyOf: [{ type: 'boolean' }, { type: 'object', additionalProperties: false, properties: { max_calls: { type: 'integer' } } }],
} as const;

const span = { type: 'object', properties: { start: { type: 'integer' }, end: { type: 'integer' }, text: { type: 'string' }, weight: { type: 'number' } } } as const;

export const explanationSchema = {
  type: 'object',
  description: 'Only when "explain" was asked: spans in text order, offsets in UTF-16 code units',
  properties: {
    method: { type: 'string', enum: ['occlusion', 'bm25'] }, score: { type: 'number' }, words: { type: 'integer' }, calls: { type: 'integer' },
    query: { type: 'array', items: span }, document: { type: 'array', items: span },
  },
} as const;

/** The library option for a body's `explain` field. */
export function explainOption(e: ExplainField['explain']): boolean | ExplainOptions | undefined {
  if (e === undefined || typeof e === 'boolean') return e;
  return e.max_calls === undefined ? true : { maxCalls: e.max_calls };
}

/** `{explanation}` to spread into a result body, or nothing. */
export function explanationOf(r: RerankResult): { explanation?: RerankResult['explanation'] } {
  return r.explanation ? { explanation: r.explanation } : {};
}
