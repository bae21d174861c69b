import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RerankError } from '../errors.js';
import { fsErrorText } from '../util/fs-errors.js';
import { DEFAULTS, DEFAULT_MODEL, NUMERIC_KEYS, type ModelSpec, type ServeSettings } from './settings.js';
import type { MetarankSections } from './learn-config.js';

/**
 * Settings come from four layers, later ones winning key by key: defaults, the YAML file
 * (--config / RERANKIT_CONFIG), RERANKIT_* environment variables, command-line flags. Every key has
 * the same name everywhere: `--max-queue` = `max-queue:` or `maxQueue:` in YAML = RERANKIT_MAX_QUEUE.
 */
export type Layer = Record<string, unknown>;

/** Options that apply to models given as bare strings (flags, env, or strings in the YAML list). */
const MODEL_DEFAULT_KEYS = ['kind', 'dtype', 'maxLength', 'threads', 'longDocuments', 'revision'] as const;
const LIST_KEYS = ['models', 'apiKeys'] as const;
const STRING_KEYS = ['host', 'logLevel', 'config', 'index', 'cache', ...MODEL_DEFAULT_KEYS] as const;
const ALIASES: Record<string, string> = { model: 'models', apiKey: 'apiKeys' };

const camel = (k: string) => k.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());
const envName = (k: string) => `RERANKIT_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

const entry = z.union([
  z.string().min(1),
  z.object({ name: z.string().min(1).optional(), kind: z.string().min(1).optional(), model: z.string().min(1).optional(), aliases: z.array(z.string().min(1)).optional() }).passthrough(),
]);
/** pino's levels, and 'silent'. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Settings where 0 means something (off, no wait); every other count must be at least 1, as its flag says. */
const ZERO_OK = new Set<string>(['port', 'maxWaitMs', 'maxQueueMs', 'cacheSize', 'retryAfter', 'rateLimit', 'rateLimitBurst', 'drainMs']);
/** Decimal integers only: "0x2", "1e3", "" and "2.5" are not read as numbers (z.coerce would). */
const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\+?\d+\s*$/.test(v) ? Number(v) : v),
  z.number({ invalid_type_error: 'expected an integer' }).int().min(min, { message: `must be an integer >= ${min}` }).max(max),
).optional();
const layerSchema = z.object({
  models: z.array(entry).optional(),
  apiKeys: z.array(z.string().min(1)).optional(),
  port: integer(0, 65535),
  ...Object.fromEntries(NUMERIC_KEYS.filter((k) => k !== 'port').map((k) => [k, integer(ZERO_OK.has(k) ? 0 : 1)])),
  ...Object.fromEntries(STRING_KEYS.map((k) => [k, k === 'maxLength' || k === 'threads' ? integer(1) : z.string().optional()])),
  ui: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ invalid_type_error: 'expected true or false' })).optional(),
  logLevel: z.enum(LOG_LEVELS, { errorMap: (_, ctx) => ({ message: `must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(ctx.data)}` }) }).optional(),
}).strict();

/** Normalises key spelling and singular forms, then validates; `source` names the layer in errors. */
export function checkLayer(raw: Layer, source: string): Layer {
  const norm: Layer = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const key = ALIASES[camel(k)] ?? camel(k);
    norm[key] = (LIST_KEYS as readonly string[]).includes(key) && !Array.isArray(v) ? [v] : v;
  }
  const r = layerSchema.safeParse(norm);
  if (r.success) return r.data as Layer;
  const issue = r.error.issues[0]!;
  const [key, ...rest] = issue.path.map(String);
  const where = key === undefined ? 'settings' : [key, ...rest].join('.');
  const got = issue.code === 'invalid_enum_value' || issue.path.length !== 1 ? '' : `, got ${JSON.stringify(norm[key!])}`;
  throw new RerankError('RERANK_BAD_OPTION', `${source}: ${where}: ${issue.message}${got}`);
}

export function envLayer(env: NodeJS.ProcessEnv): Layer {
  const layer: Layer = {};
  const keys = [...NUMERIC_KEYS, ...STRING_KEYS, 'model', 'apiKey', 'ui'];
  for (const k of keys) {
    const v = env[envName(k)];
    if (v !== undefined && v !== '') layer[k] = k === 'model' || k === 'apiKey' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
  }
  return checkLayer(layer, 'environment');
}

export async function fileLayer(path: string): Promise<Layer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new RerankError('RERANK_FILE', `cannot read config ${path}: ${fsErrorText(e)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new RerankError('RERANK_BAD_OPTION', `${path}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new RerankError('RERANK_BAD_OPTION', `${path}: expected a mapping of settings`);
  // Metarank's sections (features, models map, state, core...) travel on as `learn` (docs/learning.md).
  const { splitMetarank } = await import('./learn-config.js');
  const { LEARNED_MODEL_TYPES } = await import('../learn/learner.js');
  const { layer, learn } = splitMetarank(doc as Layer, LEARNED_MODEL_TYPES, path);
  return { ...checkLayer(layer, path), ...(learn ? { learn } : {}) };
}

/**
 * `name=id`, or a bare id/folder named after itself (a folder by its base name). The model-wide `kind`
 * applies to entries without one; the other model-wide keys travel as `defaults`, which the registry
 * applies only to kinds that take them (an LLM model has no dtype).
 */
function specOf(e: z.infer<typeof entry>, defaults: Layer): ModelSpec {
  const { kind, ...rest } = defaults;
  const withDefaults = (spec: ModelSpec): ModelSpec => ({
    ...spec,
    ...(spec.kind === undefined && kind !== undefined ? { kind: kind as string } : {}),
    ...(Object.keys(rest).length ? { defaults: rest } : {}),
  });
  if (typeof e !== 'string') {
    const name = e.name ?? (e.model ? defaultName(e.model) : undefined);
    if (!name) throw new RerankError('RERANK_BAD_OPTION', 'a model entry needs a "name" or a "model"');
    return withDefaults({ ...e, name } as ModelSpec);
  }
  const eq = e.indexOf('=');
  const [name, model] = eq > 0 ? [e.slice(0, eq), e.slice(eq + 1)] : [defaultName(e), e];
  return withDefaults({ name, model });
}

function defaultName(model: string): string {
  const trimmed = model.replace(/[\\/]+$/, '');
  const isDir = existsSync(trimmed) && statSync(trimmed).isDirectory();
  return isDir ? basename(resolve(trimmed)) : trimmed;
}

/** Merges the layers into final settings; without any model it serves the MiniLM cross-encoder. */
export async function resolveSettings(flags: Layer, env: NodeJS.ProcessEnv = process.env): Promise<ServeSettings> {
  const cli = checkLayer(flags, 'command line');
  const fromEnv = envLayer(env);
  const path = (cli.config ?? fromEnv.config) as string | undefined;
  const merged: Layer = { ...DEFAULTS, ...(path ? await fileLayer(path) : {}), ...fromEnv, ...cli };
  const defaults = Object.fromEntries(MODEL_DEFAULT_KEYS.filter((k) => merged[k] !== undefined).map((k) => [k, merged[k]]));
  // A config with only Metarank's learning sections serves only those: no default cross-encoder.
  const entries = (merged.models as z.infer<typeof entry>[] | undefined) ?? (merged.learn ? [] : [DEFAULT_MODEL]);
  const models = entries.map((e) => specOf(e, defaults));
  const learn = merged.learn ? await (await import('./learn-config.js')).resolveLearn(merged.learn as MetarankSections, models.flatMap((m) => [m.name, ...(m.aliases ?? [])])) : undefined;
  for (const k of [...MODEL_DEFAULT_KEYS, 'config', 'learn']) delete merged[k];
  return { ...(merged as Omit<ServeSettings, 'models'>), models, ...(learn ? { learn } : {}) };
}

/**
 * Checks every model before the server binds its port, loading nothing and touching no network: the
 * kind and its options (unknown keys too, as the registry's schema has them), and for kinds that load
 * ONNX model folders, that a local folder exists and holds a model (a hub id is checked against the
 * cache only under HF_HUB_OFFLINE). The slow part, loading, still happens after the server listens.
 */
export async function checkModels(models: ModelSpec[]): Promise<void> {
  const { checkRerankerConfig, rerankerOptions } = await import('../registry.js');
  const { checkModelSource } = await import('../models/resolve.js');
  for (const spec of models) {
    const { name, aliases: _, defaults, kind = 'cross-encoder', ...config } = spec;
    let checked: Record<string, unknown>;
    try {
      checked = checkRerankerConfig({ ...config, kind }, { defaults });
    } catch (e) {
      throw e instanceof RerankError ? new RerankError(e.code, `model "${name}": ${e.message}`) : e;
    }
    const takesFolder = rerankerOptions(kind)?.includes('dtype') ?? false;
    if (!takesFolder || typeof checked.model !== 'string') continue;
    const source = await checkModelSource(checked.model, typeof checked.dtype === 'string' ? checked.dtype : 'fp32');
    if (source === 'hub' && /^(1|true|yes|on)$/i.test(process.env.HF_HUB_OFFLINE ?? '')) {
      const { downloadModel } = await import('../models/hub.js');
      await downloadModel(checked.model, { revision: checked.revision as string | undefined, dtype: checked.dtype as string | undefined }); // offline: reads the cache only
    }
  }
}
