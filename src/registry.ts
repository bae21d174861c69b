import { z } from 'zod';
import type { BiEncoderOptions } from './backends/onnx/bi-encoder.js';
import type { CrossEncoderOptions } from './backends/onnx/cross-encoder.js';
import type { DecoderRerankerOptions } from './backends/onnx/decoder/reranker.js';
import type { RemoteRerankerOptions } from './backends/remote/reranker.js';
import { RerankError } from './errors.js';
import type { Reranker, RerankerConfig } from './types.js';
import { checkOptions, opt, optionNames, strictOptions, type OptionsSchema } from './util/options.js';

export type { RerankerConfig };
export type { OptionsSchema };

export type RerankerFactory = (config: RerankerConfig) => Promise<Reranker>;

// ---- each kind's options, declared here so that checking a config loads no backend ----

const ONNX_MODEL = {
  model: opt.str('a Hugging Face model id or a model folder'),
  dtype: opt.str('an ONNX variant (fp32, fp16, int8, ...) or an .onnx file name'),
  revision: opt.str('a hub branch, tag or commit'),
  progress: opt.bool(),
  maxLength: opt.int(1),
  threads: opt.int(1),
  graphOptimizationLevel: opt.oneOf('disabled', 'basic', 'extended', 'all'),
  allowSpinning: opt.bool(),
  batch: strictOptions({ tokenBudget: opt.int(1), maxBatch: opt.int(1) }).describe('an object {tokenBudget?, maxBatch?} of integers >= 1'),
};

/** Decoder LLM rerankers' own options (src/backends/onnx/decoder/reranker.ts). */
const DECODER_ONLY = {
  recipe: z.union([z.string().min(1), z.record(z.string(), z.unknown())])
    .describe('a recipe preset (qwen3-reranker, bge-reranker-v2-gemma), a recipe file (.json, .yaml, .yml) or a recipe object'),
  instruction: z.string().describe('a string'),
  prefixCache: opt.bool(),
};

/** The default kind takes both: config.json tells an encoder cross-encoder from a decoder LLM reranker (backends/onnx/auto.ts). */
const CROSS_ENCODER = strictOptions({ ...ONNX_MODEL, longDocuments: opt.oneOf('truncate', 'chunk'), tokenCache: opt.bool(), ...DECODER_ONLY });
const DECODER = CROSS_ENCODER;

const BI_ENCODER = strictOptions({
  ...ONNX_MODEL,
  pooling: opt.oneOf('mean', 'cls', 'max', 'lasttoken'),
  normalize: opt.bool(),
  queryPrefix: opt.text(),
  documentPrefix: opt.text(),
});

/** Read by src/backends/llm/config.ts (client) and index.ts (each kind's own keys). */
const LLM = {
  llmBaseUrl: opt.url(),
  baseUrl: opt.url(),
  llmModel: opt.text('a model name'),
  model: opt.text('a model name'),
  llmApiKey: opt.text(),
  apiKey: opt.text(),
  llmEndpoint: opt.oneOf('chat', 'completions'),
  timeoutMs: opt.int(1),
  retries: opt.int(0),
  backoffMs: opt.int(0),
  concurrency: opt.int(1),
  cache: z.union([z.literal(false), opt.int(0)]).describe('false or an integer >= 0'),
  maxWords: opt.int(0),
  prompts: z.union([z.string().min(1), z.record(z.string(), z.union([z.string(), z.boolean()]))])
    .describe('an object of prompt templates, or the path of a JSON file holding one'),
};

const LISTWISE = strictOptions({
  ...LLM, window: opt.int(2), stride: opt.int(1), passes: opt.int(1), depth: opt.int(1), promptStyle: opt.oneOf('rankgpt', 'rankzephyr'),
});
const PAIRWISE = strictOptions({ ...LLM, sortTopK: opt.int(1) });
const POINTWISE = strictOptions({ ...LLM, pointwiseMode: opt.oneOf('auto', 'logprobs', 'grade') });

/** Read by src/backends/remote/index.ts. */
const HOSTED = {
  apiBaseUrl: opt.url(),
  baseUrl: opt.url(),
  apiKey: opt.text(),
  model: opt.text('a model name'),
  timeoutMs: opt.int(1),
  retries: opt.int(0),
  backoffMs: opt.int(0),
  concurrency: opt.int(1),
  maxDocumentsPerRequest: opt.int(1),
};
const REMOTE = strictOptions(HOSTED);
const COHERE = strictOptions({ ...HOSTED, apiVersion: z.union([z.enum(['v1', 'v2', '1', '2']), z.literal(1), z.literal(2)]).describe('"v1" or "v2"') });

// The ONNX schemas name exactly the options their backends take, and the hosted ones reach every
// RemoteRerankerOptions field: a new backend option fails type checking here until its schema has it.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Keys<S extends OptionsSchema> = keyof z.input<S>;
const covered: [
  Same<Keys<typeof CROSS_ENCODER>, keyof CrossEncoderOptions | keyof DecoderRerankerOptions | 'model'>,
  Same<Keys<typeof DECODER>, keyof DecoderRerankerOptions | 'model'>,
  Same<Keys<typeof BI_ENCODER>, keyof BiEncoderOptions | 'model'>,
  [Exclude<keyof RemoteRerankerOptions, Keys<typeof REMOTE>>] extends [never] ? true : false,
] = [true, true, true, true];
void covered;

// ---- the kinds ----

interface Kind {
  load: () => Promise<RerankerFactory>;
  /** Absent for a kind registered without one: its options pass through unchecked. */
  schema?: OptionsSchema;
}

const remote = async () => (await import('./backends/remote/index.js')).createRemoteReranker;

/** Kind → lazy factory and options: nothing heavy (onnxruntime, HTTP clients) loads until a kind is used. */
const KINDS = new Map<string, Kind>([
  ['cross-encoder', { load: async () => (await import('./backends/onnx/auto.js')).createOnnxReranker, schema: CROSS_ENCODER }],
  ['bi-encoder', { load: async () => (await import('./backends/onnx/bi-encoder.js')).createBiReranker, schema: BI_ENCODER }],
  ['decoder', { load: async () => (await import('./backends/onnx/decoder/reranker.js')).createDecoderReranker, schema: DECODER }],
  ['listwise', { load: async () => (await import('./backends/llm/index.js')).createListwise, schema: LISTWISE }],
  ['pairwise', { load: async () => (await import('./backends/llm/index.js')).createPairwise, schema: PAIRWISE }],
  ['pointwise', { load: async () => (await import('./backends/llm/index.js')).createPointwise, schema: POINTWISE }],
  ['cohere', { load: remote, schema: COHERE }],
  ...['jina', 'voyage', 'tei', 'infinity', 'rerankit'].map((k): [string, Kind] => [k, { load: remote, schema: REMOTE }]),
]);

/**
 * Adds (or replaces) a kind. With a zod object `schema`, createReranker checks configs against it
 * strictly (unknown keys rejected, nested objects too) and hands the factory the parsed options;
 * without one, options pass through to the factory unchecked.
 */
export function registerReranker(kind: string, load: () => Promise<RerankerFactory>, schema?: OptionsSchema): void {
  KINDS.set(kind, { load, schema });
}

export function rerankerKinds(): string[] {
  return [...KINDS.keys()];
}

function kindOf(kind: string): Kind {
  const k = KINDS.get(kind);
  if (!k) throw new RerankError('RERANK_BAD_OPTION', `unknown reranker "${kind}" (known: ${rerankerKinds().join(', ')})`);
  return k;
}

/** The option names a kind declares (besides `kind`), or undefined for a kind registered without a schema. */
export function rerankerOptions(kind: string): string[] | undefined {
  const { schema } = kindOf(kind);
  return schema ? optionNames(schema) : undefined;
}

export interface CreateRerankerOptions {
  /**
   * Options applied where `config` leaves them unset and the kind declares them (a server's model-wide
   * dtype, threads, maxLength...): an LLM or hosted kind simply does not take `dtype`. A kind registered
   * without a schema gets them all.
   */
  defaults?: Record<string, unknown>;
}

/**
 * Builds a reranker by kind ('cross-encoder' when `kind` is missing). The config is checked against
 * the kind's options first: a wrong or unknown option is RerankError('RERANK_BAD_OPTION') naming it,
 * before anything loads.
 */
export async function createReranker(config: RerankerConfig, o: CreateRerankerOptions = {}): Promise<Reranker> {
  const checked = checkRerankerConfig(config, o);
  const reranker = await (await kindOf(checked.kind!).load())(checked);
  // Every reranker the registry builds honours the `explain` option (occlusion around its rerank()).
  const { withExplanations } = await import('./explain/index.js');
  return withExplanations(reranker);
}

/**
 * What createReranker checks, without building anything: the kind is known and the options (with
 * `defaults` applied) fit its schema. Returns the config the factory would get; throws the same
 * RERANK_BAD_OPTION. A server validates its model list with it before it binds its port.
 */
export function checkRerankerConfig(config: RerankerConfig, o: CreateRerankerOptions = {}): RerankerConfig {
  const name = config.kind ?? 'cross-encoder';
  const kind = kindOf(name);
  const { kind: _, ...given } = config;
  const accepted = kind.schema ? new Set(optionNames(kind.schema)) : undefined;
  const defaults = Object.entries(o.defaults ?? {}).filter(([k, v]) => v !== undefined && given[k] === undefined && k !== 'kind' && (!accepted || accepted.has(k)));
  const merged = { ...Object.fromEntries(defaults), ...given };
  const options = kind.schema ? checkOptions(name, kind.schema, merged) : merged;
  return { ...options, kind: name };
}
