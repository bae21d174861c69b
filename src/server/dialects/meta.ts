import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../metrics.js';
import type { BodyBudget } from '../http-limits.js';
import type { ModelPool } from '../pool.js';

/** Health, readiness, Prometheus metrics, the model list and the OpenAPI document. */
export function registerMeta(app: FastifyInstance, pool: ModelPool, metrics: ServerMetrics, budget: BodyBudget): void {
  const created = Math.floor(Date.now() / 1000);
  let closing = false;
  app.addHook('preClose', async () => void (closing = true));

  const status = (extra: Record<string, unknown> = {}) => ({ type: 'object', required: ['status'], properties: { status: { type: 'string' }, ...extra } });
  const models = { models: { type: 'array', items: { type: 'string' } } };
  app.get('/health', { schema: { summary: 'Liveness: the process answers (never needs a key)', tags: ['meta'], response: { 200: status() } } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { summary: 'Readiness: 200 once every model is loaded, 503 before and while shutting down', tags: ['meta'], response: { 200: status(models), 503: status(models) } } }, async (_req, reply) => {
    const ready = pool.ready && !closing;
    if (!ready) reply.code(503).header('retry-after', '1');
    return { status: ready ? 'ready' : closing || pool.draining ? 'closing' : 'loading', models: pool.list().map((m) => m.name) };
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics (needs the key when keys are set)', tags: ['meta'], produces: ['text/plain'], response: { 200: { type: 'string', description: 'Prometheus text format' } } } }, async (_req, reply) => {
    for (const m of pool.list()) {
      metrics.queueDepth.set({ model: m.name }, m.queueDepth);
      metrics.cacheBytes.set({ model: m.name }, m.cacheBytes);
      metrics.cacheEntries.set({ model: m.name }, m.cacheEntries);
    }
    metrics.bufferedBytes.set(budget.bytes);
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const model = { type: 'object', properties: { id: { type: 'string' }, object: { type: 'string' }, created: { type: 'integer' }, owned_by: { type: 'string' }, kind: { type: 'string' }, aliases: { type: 'array', items: { type: 'string' } } } };
  app.get('/v1/models', { schema: { summary: 'Served models, OpenAI-style (as Infinity and vLLM answer)', tags: ['meta'], response: { 200: { type: 'object', properties: { object: { type: 'string' }, data: { type: 'array', items: model } } } } } }, async () => ({
    object: 'list',
    data: pool.list().map((m) => ({ id: m.name, object: 'model', created, owned_by: 'rerankit', kind: m.kind, aliases: m.aliases })),
  }));

  app.get('/openapi.json', { schema: { summary: 'This OpenAPI document (needs the key when keys are set)', tags: ['meta'], response: { 200: { type: 'object', additionalProperties: true } } } }, async () => app.swagger());
}
