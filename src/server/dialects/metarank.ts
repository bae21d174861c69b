import { rawScoreOf } from '../served-model.js';
import { errorResponses, num, str, type DialectRoute } from './common.js';

interface MetarankBody { input: { query: string; text: string }[] }

const schema = {
  summary: 'Metarank cross-encoder inference: raw scores (log-odds for classifiers) in input order',
  tags: ['metarank'],
  params: { type: 'object', properties: { '*': { type: 'string', description: 'Served model name or alias' } } },
  body: {
    type: 'object', required: ['input'],
    properties: {
      input: {
        type: 'array',
        items: { type: 'object', required: ['query', 'text'], properties: { query: { type: 'string' }, text: { type: 'string' } } },
      },
    },
  },
  response: {
    200: { type: 'object', required: ['took', 'scores'], properties: { took: { type: 'integer', description: 'milliseconds' }, scores: { type: 'array', items: num } } },
    ...errorResponses({ error: str }, 'Metarank error'),
  },
} as const;

/** Metarank's pairs may each carry their own query; scores come back in input order, higher is better. */
export const metarank: DialectRoute<MetarankBody> = {
  url: '/inference/cross/*',
  schema,
  dialect: 'metarank',
  toRequest: (b, params) => ({ op: 'pairs', model: params['*'] || undefined, field: 'input', pairs: b.input.map((p) => [p.query, p.text]) }),
  toBody: (answer) => {
    if (answer.op !== 'pairs') throw new Error('expected a pairs answer');
    return { took: Math.round(answer.outcome.timings.totalMs), scores: answer.outcome.scores.map(rawScoreOf) };
  },
};
