import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RerankError } from '../errors.js';
import { errorResponses, int, num, str } from './dialects/common.js';
import { checkDepth } from './http-limits.js';
import type { LearnService } from './learn-service.js';

/** Paths of the Metarank learning API, for the server's 405 answers (`*`: a model name follows). */
export const LEARN_POST_URLS = ['/feedback', '/flush', '/train/*', '/rank/*'];

/**
 * Metarank's /feedback takes one event, an array, or JSON lines, under any content type (curl's
 * default form type included); /train takes no body at all, so an empty body is no error here.
 */
function parseEvents(_req: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const fail = (message: string) => done(Object.assign(new Error(message), { statusCode: 400, code: 'RERANK_BAD_INPUT' }));
  if (body.length === 0) return done(null, undefined);
  if (!isUtf8(body)) return fail('request body is not valid UTF-8');
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  try {
    const value: unknown = JSON.parse(text);
    checkDepth(value);
    return done(null, value);
  } catch (e) {
    if (e instanceof RerankError) return fail(e.message);
  }
  const lines = text.split('\n').map((l) => l.trim());
  const events: unknown[] = [];
  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    try {
      events.push(JSON.parse(line));
    } catch (e) {
      return fail(`request body is neither JSON nor JSON lines: line ${i + 1}: ${(e as Error).message}`);
    }
  }
  try {
    checkDepth(events);
  } catch (e) {
    return fail((e as Error).message);
  }
  done(null, events);
}

const field = { type: 'object', required: ['name', 'value'], properties: { name: str, value: {} }, additionalProperties: false } as const;
const event = { type: 'object', description: 'A Metarank event: item, user, ranking or interaction (doc/event-schema.md)', additionalProperties: true, properties: { event: { type: 'string', enum: ['item', 'user', 'ranking', 'interaction'] }, id: str } } as const;
const metarankError = errorResponses({ error: str }, 'Metarank error');
const feedbackAnswer = {
  type: 'object', required: ['accepted', 'status', 'tookMillis', 'updated'],
  properties: { accepted: int, status: str, tookMillis: int, updated: int },
} as const;
const modelParam = { type: 'object', required: ['model'], properties: { model: { type: 'string', description: 'A learned model or an experiment of the config' } } } as const;

const schemas = {
  feedback: {
    summary: 'Metarank feedback: one event, an array of events, or JSON lines',
    tags: ['learn'],
    body: { oneOf: [event, { type: 'array', items: event }] },
    response: { 200: feedbackAnswer, ...metarankError },
  },
  flush: {
    summary: 'Metarank flush: finalizes the click-throughs still waiting for their ranking or session',
    tags: ['learn'],
    body: { type: 'object', description: 'none (ignored)', additionalProperties: true },
    response: { 200: feedbackAnswer, ...metarankError },
  },
  train: {
    summary: 'Metarank train: fits the model on the stored click-throughs and answers its training report',
    tags: ['learn'],
    params: modelParam,
    body: { type: 'object', description: 'none (ignored)', additionalProperties: true },
    response: {
      200: {
        type: 'object', required: ['features', 'iterations', 'sizeBytes'],
        properties: {
          features: { type: 'array', items: { type: 'object', properties: { name: str, weight: {} } } },
          iterations: { type: 'array', items: { type: 'object', properties: { id: int, millis: num, trainMetric: num, testMetric: num } } },
          sizeBytes: int,
        },
      },
      ...metarankError,
    },
  },
  rank: {
    summary: 'Metarank rank: the items best first (request order, or by relevancy, until the model is trained)',
    tags: ['learn'],
    params: modelParam,
    querystring: { type: 'object', properties: { explain: { type: 'string', enum: ['true', 'false'], description: 'true: each item carries its feature values' } } },
    body: {
      type: 'object', required: ['items'], additionalProperties: true,
      properties: {
        id: str, timestamp: { description: 'unix milliseconds, or a string in one of Metarank\'s timestamp formats' }, user: str, session: str,
        fields: { type: 'array', items: field },
        items: { type: 'array', items: { type: 'object', required: ['id'], properties: { id: str, fields: { type: 'array', items: field } } } },
      },
    },
    response: {
      200: {
        type: 'object', required: ['took', 'items'],
        properties: {
          took: { ...int, description: 'milliseconds' },
          variant: { type: 'string', description: 'the model (or "interleaved") that served this ranking; also the x-rerankit-variant header' },
          items: { type: 'array', items: { type: 'object', required: ['item', 'score'], properties: { item: str, score: num, features: {} } } },
        },
      },
      ...metarankError,
    },
  },
  experiments: {
    summary: 'Online experiments: per variant rankings, CTR, clicks@k, MRR of the first click, interleaving wins, significance',
    tags: ['learn'],
    response: { 200: { type: 'object', required: ['experiments'], properties: { experiments: { type: 'array', items: { type: 'object', additionalProperties: true } } } } },
  },
};

const noLearner = () => new RerankError('RERANK_NOT_FOUND', 'no learned models are configured: add a Metarank `models:` map with `type: lambdamart` (see docs/learning.md)');

/**
 * The Metarank learning API (feedback, flush, train, rank) and the experiments report, in their own
 * fastify context so /feedback can take JSON lines and bodiless POSTs; auth, error mapping and the
 * OpenAPI document come from the root. `service` is undefined when the config names no learned model.
 */
export async function registerLearnRoutes(app: FastifyInstance, service: LearnService | undefined): Promise<void> {
  const need = () => service ?? (() => { throw noLearner(); })();
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, parseEvents);
    const config = { dialect: 'metarank' as const };
    // Bodies are checked by the learner, whose errors name the event index and field as Metarank's do;
    // the schemas here document the API.
    scope.post('/feedback', { schema: schemas.feedback, attachValidation: true, config }, async (req) => {
      const t0 = performance.now();
      if (req.body === undefined) throw new RerankError('RERANK_BAD_INPUT', 'request body is empty; expected events');
      const events = Array.isArray(req.body) ? req.body : [req.body];
      const { accepted, updated } = await need().feedback(events);
      return { accepted, status: 'ok', tookMillis: Math.round(performance.now() - t0), updated };
    });
    scope.post('/flush', { schema: schemas.flush, attachValidation: true, config }, async () => {
      const t0 = performance.now();
      const { updated } = await need().flush();
      return { accepted: 0, status: 'ok', tookMillis: Math.round(performance.now() - t0), updated };
    });
    scope.post('/train/:model', { schema: schemas.train, attachValidation: true, config }, async (req) => need().train((req.params as { model: string }).model));
    scope.post('/rank/:model', { schema: schemas.rank, attachValidation: true, config }, async (req, reply) => {
      const t0 = performance.now();
      const explain = String((req.query as { explain?: unknown }).explain) === 'true';
      const { items, variant } = await need().rank((req.params as { model: string }).model, req.body, explain);
      reply.header('x-rerankit-variant', variant);
      return { took: Math.round(performance.now() - t0), variant, items };
    });
    scope.get('/experiments', { schema: schemas.experiments, config }, async () => ({ experiments: service?.experiments() ?? [] }));
  });
}
