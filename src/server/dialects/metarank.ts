import type { FastifyInstance } from 'fastify';
import { RerankError } from '../../errors.js';
import { checkInput, rawScore, timingHeaders, type RouteContext } from './common.js';

interface MetarankBody { input: { query: string; text: string }[] }

const schema = {
  summary: 'Metarank cross-encoder inference: raw logits in input order',
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
} as const;

/** Metarank's pairs may each carry their own query; the limits apply to every one of them. */
function check(ctx: RouteContext, input: MetarankBody['input']): void {
  if (input.length === 0) throw new RerankError('RERANK_NO_DOCUMENTS', 'input must be a non-empty list');
  const texts = input.map((p) => p.text);
  for (const q of new Set(input.map((p) => p.query))) checkInput(ctx.limits, q, texts, undefined, 'input');
}

export function registerMetarank(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: MetarankBody; Params: { '*': string } }>('/inference/cross/*', { schema, config: { dialect: 'metarank' } }, async (req, reply) => {
    const start = performance.now();
    const model = ctx.pool.get(req.params['*'] || undefined);
    check(ctx, req.body.input);
    const outcome = await model.scorePairs(req.body.input.map((p) => [p.query, p.text]));
    timingHeaders(reply, outcome);
    return { took: Math.round(performance.now() - start), scores: outcome.scores.map(rawScore) };
  });
}
