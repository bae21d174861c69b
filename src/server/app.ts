import { isUtf8 } from 'node:buffer';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { bearerAuth } from './auth.js';
import { cohereV1, cohereV2 } from './dialects/cohere.js';
import type { DialectRoute } from './dialects/common.js';
import { registerMeta } from './dialects/meta.js';
import { metarank } from './dialects/metarank.js';
import { teiInfinity } from './dialects/tei-infinity.js';
import { dialectStatus, errorBody, toFailure, type Dialect } from './http-errors.js';
import { BodyBudget, checkDepth, decodeBody, serverFactory } from './http-limits.js';
import { LEARN_POST_URLS, registerLearnRoutes } from './learn-routes.js';
import { ServerMetrics } from './metrics.js';
import { ModelPool } from './pool.js';
import { registerSearch } from './search.js';
import { registerUi, UI_ROUTES } from './ui.js';
import { RateLimiter, callerOf, rateLimitHook } from './rate-limit.js';
import { RedisLink } from './redis-link.js';
import { deadlineOf, serve, type ServeAnswer, type ServeContext } from './serve.js';
import type { RequestControl } from './served-model.js';
import type { ServeSettings } from './settings.js';

/** Codes of requests the server turned away or dropped to keep doing useful work. */
const SHED = new Set(['RERANK_OVERLOADED', 'RERANK_DEADLINE', 'RERANK_CANCELLED']);

/** Every rerank route: each is a pair of pure mappers around the one serve path. */
const ROUTES: DialectRoute[] = [cohereV1, cohereV2, teiInfinity, metarank];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The error shape this route's clients read. */
    dialect?: Dialect;
    /** For paths two dialects share: the shape decided from the parsed body. */
    dialectOf?: (body: unknown) => Dialect;
  }
}

export type AppSettings = Omit<ServeSettings, 'host' | 'port' | 'models'>;

export interface RerankServer {
  app: FastifyInstance;
  pool: ModelPool;
  metrics: ServerMetrics;
}

/** Bodies are checked for UTF-8 before JSON.parse, so bad bytes are a 400 rather than mojibake. */
function parseJson(_req: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const fail = (message: string) => done(Object.assign(new Error(message), { statusCode: 400, code: 'RERANK_BAD_INPUT' }));
  if (body.length === 0) return fail('request body is empty; expected JSON');
  if (!isUtf8(body)) return fail('request body is not valid UTF-8');
  try {
    const value: unknown = JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
    checkDepth(value);
    done(null, value);
  } catch (e) {
    fail(e instanceof RangeError || !(e instanceof SyntaxError) ? (e as Error).message : `request body is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The dialect of a request's error answer. On a path two dialects share, errors raised before the
 * body is parsed (401, 413, 415) cannot tell who is calling: they get a body both can read.
 */
function dialectOf(req: FastifyRequest): Dialect {
  const cfg = req.routeOptions.config;
  if (cfg?.dialectOf) return req.body === undefined ? 'tei-or-infinity' : cfg.dialectOf(req.body);
  return cfg?.dialect ?? 'plain';
}

/** Builds the server (routes, hooks, error mapping) without listening; models are added to `pool`. */
export async function buildServer(settings: AppSettings): Promise<RerankServer> {
  const metrics = new ServerMetrics();
  const pool = new ModelPool(settings, metrics);
  const budget = new BodyBudget(settings.maxBufferedBytes);
  const app = Fastify({
    logger: settings.logLevel === 'silent' ? false : { level: settings.logLevel },
    bodyLimit: settings.maxBodyBytes,
    serverFactory: serverFactory(settings),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Wrong types are 4xx, never silently coerced ("3" is not an integer, 123 is not a query).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJson);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, parseJson); // curl -d without a content type still works
  // Response schemas document the API (/openapi.json); answers are serialized as built, never reshaped.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('preParsing', decodeBody);
  app.addHook('preParsing', budget.hook);
  app.setErrorHandler((err, req, reply) => {
    const dialect = dialectOf(req);
    const f = dialectStatus(dialect, toFailure(err, settings));
    if (f.status >= 500) req.log.error({ err }, f.message);
    else req.log.info({ code: f.code, status: f.status }, f.message);
    if (SHED.has(f.code)) metrics.shed.inc({ code: f.code });
    if ((f.status === 429 || f.status === 503) && !reply.hasHeader('retry-after')) reply.header('retry-after', String(settings.retryAfter));
    if (f.status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(f.status).send(errorBody(dialect, f));
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    if ([...ROUTES.map((r) => r.url), ...LEARN_POST_URLS].some((url) => matches(url, path))) {
      return reply.code(405).header('allow', 'POST').send(errorBody('plain', { status: 405, code: 'RERANK_METHOD', message: `${req.method} ${path} is not allowed; use POST` }));
    }
    reply.code(404).send(errorBody('plain', { status: 404, code: 'RERANK_NOT_FOUND', message: `no route ${req.method} ${path}` }));
  });
  app.addHook('onRequest', bearerAuth(settings.apiKeys, ['/health', '/ready', ...(settings.ui === false ? [] : UI_ROUTES)]));
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  // While shutting down, answers to in-flight requests close their sockets, so keep-alive clients
  // cannot hold close() open for the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => void (closing = true));
  app.addHook('onSend', async (_req, reply) => void (closing && reply.header('connection', 'close')));
  app.addHook('onClose', async () => pool.close());
  await sharedState(app, pool, metrics, settings);
  await app.register(swagger, {
    // Metarank's route takes a model name with slashes, so fastify matches it with `*`; the document
    // names the parameter as clients know it.
    transform: ({ schema, url }) => (url === metarank.url
      ? { url: '/inference/cross/{model}', schema: { ...schema, params: { type: 'object', required: ['model'], properties: { model: { type: 'string', description: 'Served model name or alias (may contain slashes)' } } } } as typeof schema }
      : { url, schema }),
    openapi: {
      info: { title: 'rerankit', version: '0.1.0', description: 'One rerank server for Cohere, Jina, TEI, Infinity and Metarank clients' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  const ctx: ServeContext = { pool, limits: settings };
  for (const route of ROUTES) registerRoute(app, ctx, route);
  registerMeta(app, pool, metrics, budget);
  if (settings.ui !== false) registerUi(app);
  if (settings.index) await registerSearch(app, ctx, settings.index);
  // Metarank's learning API; the learner opens only when the config has learned models.
  const learn = settings.learn ? await (await import('./learn-service.js')).LearnService.open(settings.learn, pool) : undefined;
  if (learn) app.addHook('onClose', async () => learn.close());
  await registerLearnRoutes(app, learn);
  return { app, pool, metrics };
}

/**
 * State shared by replicas (`cache: redis://...`): the score cache's second tier, rate-limit buckets
 * and usage counters per key; without Redis, rate limits are per process. A down Redis never fails
 * a request (redis-link.ts).
 */
async function sharedState(app: FastifyInstance, pool: ModelPool, metrics: ServerMetrics, settings: AppSettings): Promise<void> {
  const log = { warn: (m: string) => app.log.warn(m), info: (m: string) => app.log.info(m) };
  const link = settings.cache ? await RedisLink.connect(settings.cache, { timeoutMs: settings.cacheTimeoutMs, log, metrics }) : undefined;
  if (link) {
    pool.shared = { link, ttlSeconds: settings.cacheTtl };
    app.addHook('onClose', async () => link.close());
  }
  const limiter = new RateLimiter(settings, metrics, link);
  const isRerank = (req: FastifyRequest) => req.routeOptions.config?.dialect !== undefined || req.routeOptions.config?.dialectOf !== undefined;
  const limit = rateLimitHook(limiter);
  if (limiter.enabled) app.addHook('preHandler', async (req, reply) => (isRerank(req) ? limit(req, reply) : undefined));
  if (settings.apiKeys.length === 0) return;
  app.addHook('onResponse', async (req, reply) => {
    if (!isRerank(req) || reply.statusCode === 401) return;
    const body = req.body as Record<string, unknown[] | undefined> | undefined;
    const documents = (body?.documents ?? body?.texts ?? body?.input)?.length ?? 0;
    const outcome = reply.statusCode < 400 ? 'ok' : reply.statusCode === 429 && reply.getHeader('x-rerankit-rate-limited') ? 'limited' : 'error';
    limiter.count(callerOf(req), outcome, outcome === 'ok' ? documents : 0, Number(reply.getHeader('x-rerankit-tokens') ?? 0));
  });
  app.get('/usage', { schema: { summary: 'Requests, documents and tokens per API key id (first 12 hex digits of its SHA-256), across replicas sharing Redis', tags: ['meta'], response: { 200: { type: 'object', properties: { shared: { type: 'boolean' }, keys: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'number' } } } } } } } }, async () => {
    const shared = await limiter.usage();
    return { shared: shared !== undefined, keys: shared ?? await localUsage(metrics) };
  });
}

/** This replica's own counts (when Redis is down or not configured). */
async function localUsage(metrics: ServerMetrics): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const v of (await metrics.keyRequests.get()).values) {
    const row = (out[String(v.labels.key)] ??= {});
    const field = v.labels.outcome === 'limited' ? 'limited' : 'requests';
    row[field] = (row[field] ?? 0) + v.value;
  }
  return out;
}

/** A route pattern (`/rerank`, `/inference/cross/*`) against a request path. */
function matches(pattern: string, path: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

/**
 * Clients send `null` for options they leave out (the cohere-ai SDK's `top_n`, LangChain's
 * `max_chunks_per_doc`): null means absent, as Cohere, TEI and Infinity themselves read it.
 */
function dropNulls(body: unknown): void {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o)) if (o[k] === null) delete o[k];
}

function registerRoute(app: FastifyInstance, ctx: ServeContext, route: DialectRoute): void {
  const config = { dialect: route.dialect, dialectOf: route.dialectOf };
  app.post(route.url, {
    schema: route.schema, attachValidation: true, config,
    preValidation: async (req) => dropNulls(req.body),
  }, async (req, reply) => {
    const invalid = req.validationError;
    if (invalid) throw route.invalid ? route.invalid(invalid) : invalid;
    const answer = await serve(ctx, route.toRequest(req.body, req.params as Record<string, string>), control(req, reply));
    timingHeaders(reply, answer);
    return route.toBody(answer, req.body);
  });
}

/**
 * The request's cancellation and deadline: when the client hangs up before its answer is sent, its
 * pending pairs are dropped at once (no model time for clients that are gone).
 */
function control(req: FastifyRequest, reply: FastifyReply): RequestControl {
  const arrived = performance.now() - reply.elapsedTime;
  const deadline = deadlineOf(req.headers, arrived);
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  return { signal: abort.signal, deadline };
}

function timingHeaders(reply: FastifyReply, { outcome: o }: ServeAnswer): void {
  const t = o.timings;
  const ms = (x: number) => x.toFixed(2);
  reply.header('server-timing', `queue;dur=${ms(t.queueMs)}, tokenize;dur=${ms(t.tokenizeMs)}, inference;dur=${ms(t.inferenceMs)}, total;dur=${ms(t.totalMs)}`);
  reply.header('x-rerankit-queue-ms', ms(t.queueMs));
  reply.header('x-rerankit-tokenize-ms', ms(t.tokenizeMs));
  reply.header('x-rerankit-inference-ms', ms(t.inferenceMs));
  reply.header('x-rerankit-total-ms', ms(t.totalMs));
  reply.header('x-rerankit-tokens', String(o.tokens));
  reply.header('x-rerankit-cache-hits', String(o.cacheHits));
}
