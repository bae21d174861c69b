import { z } from 'zod';
import { RerankError } from '../errors.js';
import { columnsOf, parseDuration, parseFeatures, type FeatureSpec } from './features.js';
import { redisStateSchema, type RedisStateConfig } from './redis-store.js';

const debias = z.union([z.boolean(), z.object({
  /** Fixed examination propensities per position (from a randomization experiment); fitted by EM when absent. */
  propensities: z.array(z.number().positive().max(1)).min(1).optional(),
  maxPosition: z.number().int().positive().default(50),
  iterations: z.number().int().positive().default(50),
  /** Largest IPW weight 1/θ (clipping bounds the variance deep positions add; Joachims et al. 2017). */
  clip: z.number().min(1).optional(),
}).strict()]);

const backend = z.object({
  type: z.enum(['xgboost', 'lightgbm']),
  iterations: z.number().int().positive().default(100),
  learningRate: z.number().positive().default(0.1),
  ndcgCutoff: z.number().int().positive().default(10),
  maxDepth: z.number().int().positive().max(30).default(8),
  seed: z.union([z.number(), z.string()]).optional(),
  sampling: z.number().positive().max(1).default(0.8),
  debias: debias.default(false),
  numLeaves: z.number().int().positive().optional(),
  lambda: z.number().nonnegative().default(1),
  minChildWeight: z.number().nonnegative().default(1),
  maxBin: z.number().int().min(4).max(65535).default(256),
}).strict();

const lambdamart = z.object({
  type: z.literal('lambdamart'),
  backend,
  weights: z.record(z.number().nonnegative()).refine((w) => Object.keys(w).length > 0, 'at least one interaction type'),
  features: z.array(z.string()).min(1),
  selector: z.object({ accept: z.literal(true) }).strict().optional(),
  split: z.string().regex(/^(random|hold_last|time)(=\d+(\.\d+)?%)?$/, 'must be random, hold_last or time, with an optional =N%').default('time=80%'),
  eval: z.array(z.string().regex(/^(NDCG|MAP|MRR)(@\d+)?$/, 'must be NDCG, NDCG@k, MAP, MAP@k or MRR')).default(['NDCG@10']),
  warmup: z.unknown().optional(),
}).strict();

const shuffle = z.object({ type: z.literal('shuffle'), maxPositionChange: z.number().int().nonnegative().default(5) }).strict();
const noop = z.object({ type: z.literal('noop') }).strict();

export type LambdaMartConfig = z.infer<typeof lambdamart> & { columns: string[] };
export type ModelConfig = LambdaMartConfig | z.infer<typeof shuffle> | z.infer<typeof noop>;

const core = z.object({
  clickthrough: z.object({
    maxSessionLength: z.union([z.string(), z.number()]).default('30m'),
    maxParallelSessions: z.number().int().positive().default(10000),
    /** Which displayed items count as examined (get an `impression`): Metarank's default is above_last_click. */
    impressions: z.enum(['above_last_click', 'all', 'clicked']).default('above_last_click'),
  }).strict().default({}),
  tracking: z.unknown().optional(),
}).strict().default({});

const state = z.union([
  z.object({ type: z.literal('memory') }).strict(),
  z.object({ type: z.literal('file'), path: z.string().optional() }).strict(),
  redisStateSchema, // shared by replicas (src/learn/redis-store.ts)
]);

export interface LearnConfig {
  features: FeatureSpec[];
  models: Record<string, ModelConfig>;
  clickthrough: { maxSessionLengthMs: number; maxParallelSessions: number; impressions: 'above_last_click' | 'all' | 'clicked' };
  state: { type: 'memory' } | { type: 'file'; path?: string } | RedisStateConfig;
}

function zodText(e: z.ZodError, path: string): string {
  const i = e.issues[0]!;
  const where = [path, ...i.path].join('.');
  const what = i.code === 'unrecognized_keys' ? `unknown option ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.code === 'invalid_union' ? 'not a valid value' : i.message;
  return `${where}: ${what}`;
}

function check<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, v: unknown, path: string): T {
  const r = schema.safeParse(v);
  if (!r.success) throw new RerankError('RERANK_CONFIG', zodText(r.error, path));
  return r.data;
}

/** Checks Metarank's `features`, `models` (the learned entries), `core` and `state` sections. */
export function parseLearnConfig(sections: { features?: unknown; models?: Record<string, unknown>; core?: unknown; state?: unknown }): LearnConfig {
  const features = parseFeatures(sections.features);
  const byName = new Map(features.map((f) => [f.name, f]));
  const models: Record<string, ModelConfig> = {};
  for (const [name, raw] of Object.entries(sections.models ?? {})) {
    const path = `models.${name}`;
    const type = (raw as { type?: unknown })?.type;
    if (type === 'lambdamart') {
      const m = check(lambdamart, raw, path);
      for (const f of m.features) if (!byName.has(f)) throw new RerankError('RERANK_CONFIG', `${path}.features: "${f}" is not defined in features (defined: ${[...byName.keys()].join(', ') || 'none'})`);
      if (typeof m.backend.debias === 'object' && m.backend.debias.propensities && m.backend.debias.propensities[0] !== 1) {
        throw new RerankError('RERANK_CONFIG', `${path}.backend.debias.propensities: the first position's propensity must be 1 (they are relative to the top)`);
      }
      models[name] = { ...m, columns: m.features.flatMap((f) => columnsOf(byName.get(f)!)) };
    } else if (type === 'shuffle') models[name] = check(shuffle, raw, path);
    else if (type === 'noop') models[name] = check(noop, raw, path);
    else throw new RerankError('RERANK_CONFIG', `${path}.type: ${JSON.stringify(type)} is not a learned model type (lambdamart, shuffle, noop)`);
  }
  const c = check(core, sections.core ?? {}, 'core');
  const stType = (sections.state as { type?: unknown } | undefined)?.type;
  if (sections.state !== undefined && stType !== 'memory' && stType !== 'file' && stType !== 'redis') {
    throw new RerankError('RERANK_CONFIG', `state.type: ${JSON.stringify(stType)} is not supported (memory, file with a path, or redis)`);
  }
  const st = sections.state === undefined ? { type: 'file' as const } : check(state, sections.state, 'state');
  return {
    features, models, state: st,
    clickthrough: { maxSessionLengthMs: parseDuration(c.clickthrough.maxSessionLength, 'core.clickthrough.maxSessionLength'), maxParallelSessions: c.clickthrough.maxParallelSessions, impressions: c.clickthrough.impressions },
  };
}
