import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../metrics.js';
import type { BodyBudget } from '../http-limits.js';
import type { ModelPool } from '../pool.js';

/** Health, readiness, Prometheus metrics, the model list and the OpenAPI document. */
export function registerMeta(app: FastifyInstance, pool: ModelPool, metrics: ServerMetrics, budget: BodyBudget): void {
  const created = Math.floor(Date.now() / 1000);
  let closing = false;
  app.addHook('preClose', async () => void (closing = true));

  app.get('/health', { schema: { summary: 'Liveness: the process answers (never needs a key)', tags: ['meta'] } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { summary: 'Readiness: 200 once every model is loaded, 503 before and while shutting down', tags: ['meta'] } }, async (_req, reply) => {
    const ready = pool.ready && !closing;
    if (!ready) reply.code(503).header('retry-after', '1');
    return { status: ready ? 'ready' : closing ? 'closing' : 'loading', models: pool.list().map((m) => m.name) };
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['meta'] } }, async (_req, reply) => {
    for (const m of pool.list()) {
      metrics.queueDepth.set({ model: m.name }, m.queueDepth);
      metrics.cacheBytes.set({ model: m.name }, m.cacheBytes);
      metrics.cacheEntries.set({ model: m.name }, m.cacheEntries);
    }
    metrics.bufferedBytes.set(budget.bytes);
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get('/v1/models', { schema: { summary: 'Served models, OpenAI-style (as Infinity and vLLM answer)', tags: ['meta'] } }, async () => ({
    object: 'list',
    data: pool.list().map((m) => ({ id: m.name, object: 'model', created, owned_by: 'rerankit', kind: m.kind, aliases: m.aliases })),
  }));

  app.get('/openapi.json', { schema: { summary: 'This OpenAPI document', tags: ['meta'] } }, async () => app.swagger());
}
