import { createHash } from 'node:crypto';
import { RerankError } from '../../../errors.js';
import { resolveModel, type ModelFiles, type ResolveOptions } from '../../../models/resolve.js';
import { TextTokenizer } from '../../../models/text-tokenizer.js';
import type { TruncationPlan } from '../../../models/truncate.js';
import { checkRerankInput, finishResults } from '../../../rerank-input.js';
import type { Capability, DocInput, PairOptions, PairScorer, RerankerConfig, RerankOptions, RerankResult, ScoredPair, TokenCounter } from '../../../types.js';
import { planBatches, type BatchLimits } from '../batching.js';
import { rawOf, scoreOf } from '../heads.js';
import { truncationPlan } from '../plan.js';
import type { SessionOptions } from '../session.js';
import { detectFamily, type ModelFamily } from './detect.js';
import { DecoderSession, type Prefix } from './model.js';
import { PromptBuilder, tokenIdOf } from './prompt.js';
import { resolveRecipe, type Recipe } from './recipe.js';

export interface DecoderRerankerOptions extends SessionOptions, Pick<ResolveOptions, 'revision' | 'progress'> {
  /** The prompt budget as the recipe's rule counts it (default: the recipe's, e.g. 8192 for Qwen3, 1024 for Gemma). */
  maxLength?: number;
  /** ONNX variant: fp32 (default), fp16, int8, ... or an .onnx file name. */
  dtype?: string;
  /** 'truncate' (default) cuts long documents as the recipe says; 'chunk' scores windows that each fit and keeps the best. */
  longDocuments?: 'truncate' | 'chunk';
  /** Padded tokens (new tokens, with the prefix cache) and rows per ONNX call. */
  batch?: Partial<BatchLimits>;
  /** Keep recent texts' token ids (default true). */
  tokenCache?: boolean;
  /** A preset (qwen3-reranker, bge-reranker-v2-gemma), a recipe file (.json, .yaml) or a recipe object; default: detected from config.json and the model's name. */
  recipe?: string | Record<string, unknown>;
  /** The task instruction, {instruction} in the recipe (Qwen3's Instruct, the Gemma recipe's prompt); default: the recipe's. */
  instruction?: string;
  /** Run the prompt prefix a query's documents share once (default: on where the export has past inputs). */
  prefixCache?: boolean;
}

/** Larger than a cross-encoder's: a decoder layer is wider, and per-token speed flattens later (bench/decoder.ts). */
export const DECODER_LIMITS: BatchLimits = { tokenBudget: 1024, maxBatch: 32 };

/** With the prefix cache, rows × (prefix + longest row) per call stays within this many token budgets: the repeated past is memory too. */
const PAST_BUDGETS = 4;

/** A shared prefix shorter than this is not worth its extra ONNX call. */
const MIN_PREFIX = 4;

/** A prompt waiting for inference: `key` says which pair it scores, `group` which prompts may share a prefix. */
interface Item {
  key: number;
  group: string;
  ids: number[];
}

/**
 * A decoder LLM reranker (Qwen3-Reranker, bge-reranker-v2-gemma, Qwen3 seq-cls conversions) run from
 * an ONNX export, scoring as the official recipe does: the logit of a "yes" token at the last prompt
 * position (or the seq-cls head's logit). Results carry `logits` ([no, yes], [yes] or the head's), so
 * score = sigmoid(raw) and raw = their log-odds, as for cross-encoders.
 */
export class DecoderReranker implements PairScorer, TokenCounter {
  readonly capabilities: readonly Capability[] = ['score-pairs', 'count-tokens'];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly name: string,
    private readonly session: DecoderSession,
    private readonly builder: PromptBuilder,
    readonly recipe: Recipe,
    /** Vocabulary columns read from a causal export: [no, yes] or [yes]. */
    private readonly columns: number[],
    readonly dtype: string,
    readonly longDocuments: 'truncate' | 'chunk',
    private readonly limits: BatchLimits,
    /** The shared-prefix cache is in use. */
    readonly prefixCache: boolean,
    private readonly recipeKey: string,
  ) {}

  get maxLength(): number {
    return this.builder.maxLength;
  }

  /** Scores depend on the model, recipe and instruction, max length, dtype and long-document policy (the prefix cache changes them by < 1e-4). */
  get identity(): string {
    return `${this.name}|${this.recipe.name}:${this.recipeKey}|${this.maxLength}|${this.dtype}|${this.longDocuments}`;
  }

  static async load(idOrFolder: string, o: DecoderRerankerOptions = {}): Promise<DecoderReranker> {
    const files = await resolveModel(idOrFolder, o);
    return DecoderReranker.fromFiles(idOrFolder, files, detectFamily(files.config, idOrFolder, files.dir === idOrFolder), o);
  }

  static async fromFiles(idOrFolder: string, files: ModelFiles, family: ModelFamily, o: DecoderRerankerOptions = {}): Promise<DecoderReranker> {
    const longDocuments = o.longDocuments ?? 'truncate';
    if (longDocuments !== 'truncate' && longDocuments !== 'chunk') throw new RerankError('RERANK_BAD_OPTION', `longDocuments must be "truncate" or "chunk", got "${longDocuments}"`);
    const recipe = await resolveRecipe(o.recipe ?? recipeOf(idOrFolder, files.config, family));
    const instruction = o.instruction ?? recipe.instruction;
    const tokenizer = await TextTokenizer.load(files.tokenizerPath, files.tokenizerConfig, files.config, { cache: o.tokenCache });
    const configs = { tokenizerConfig: files.tokenizerConfig, config: files.config };
    const builder = await PromptBuilder.create(recipe, tokenizer, configs, maxLengthOf(files.config, o.maxLength, recipe), instruction);
    const session = await DecoderSession.load(files.onnxPath, files.config, tokenizer.padId, recipe.padding, o);
    try {
      const columns = session.kind === 'causal' ? scoreColumns(recipe, tokenizer, configs, session) : [];
      const key = createHash('sha256').update(JSON.stringify([recipe, instruction])).digest('hex').slice(0, 12);
      const limits = { ...DECODER_LIMITS, ...o.batch };
      const r = new DecoderReranker(idOrFolder, session, builder, recipe, columns, o.dtype ?? 'fp32', longDocuments, limits, (o.prefixCache ?? true) && session.canCache, key);
      await r.score([['warm up', 'the session'], ['warm up', 'the cache']]);
      return r;
    } catch (e) {
      await session.release();
      throw e;
    }
  }

  async rerank(query: string, documents: DocInput[], o: RerankOptions = {}): Promise<RerankResult[]> {
    const texts = checkRerankInput(query, documents, o);
    const scored = await this.scorePairs(texts.map((t): [string, string] => [query, t]), truncationPlan(o, this.longDocuments));
    return finishResults(scored.map((s, index) => ({ index, ...s })), documents, o);
  }

  async score(pairs: [string, string][], o: PairOptions = {}): Promise<ScoredPair[]> {
    if (!Array.isArray(pairs)) throw new RerankError('RERANK_BAD_INPUT', 'pairs must be an array of [query, document]');
    pairs.forEach((p, i) => {
      if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'string') throw new RerankError('RERANK_BAD_INPUT', `pair ${i} must be [string, string]`);
    });
    return this.scorePairs(pairs, truncationPlan(o, this.longDocuments));
  }

  /** Prompt tokens per document as the model sees them (every window of a chunked one), prefix included. */
  async countTokens(query: string, documents: string[], o: PairOptions = {}): Promise<number[]> {
    const prompts = await this.builder.build(documents.map((d) => [query, d]), truncationPlan(o, this.longDocuments));
    return prompts.map((windows) => windows.reduce((n, w) => n + w.length, 0));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.session.release();
  }

  /** The prompt ids of one call's pairs (the query tokenized once per prompt it heads). */
  async prompts(pairs: [string, string][], o: PairOptions = {}): Promise<number[][][]> {
    return this.builder.build(pairs, truncationPlan(o, this.longDocuments));
  }

  private async scorePairs(pairs: [string, string][], plan: TruncationPlan): Promise<ScoredPair[]> {
    const prompts = await this.builder.build(pairs, plan);
    const items = prompts.flatMap((windows, key) => windows.map((ids): Item => ({ key, group: pairs[key]![0], ids })));
    const logits = await this.infer(items);
    // Chunked documents score as their best window.
    const best: number[][] = new Array(pairs.length);
    items.forEach((it, i) => {
      if (!best[it.key] || scoreOf(logits[i]!) > scoreOf(best[it.key]!)) best[it.key] = logits[i]!;
    });
    return best.map((l) => ({ score: scoreOf(l), raw: rawOf(l), logits: l }));
  }

  /** Every prompt through the model, one call at a time per model; logits in item order. */
  private infer(items: Item[]): Promise<number[][]> {
    const run = async () => {
      if (this.closed) throw new RerankError('RERANK_CLOSED');
      const out: number[][] = new Array(items.length);
      const at = new Map(items.map((it, i) => [it, i]));
      const { alone, shared } = this.groups(items);
      for (const batch of planBatches(alone, this.limits)) {
        const rows = await this.session.run(batch.map((it) => it.ids), this.columns);
        batch.forEach((it, r) => (out[at.get(it)!] = rows[r]!));
      }
      for (const group of shared) {
        const P = commonPrefix(group);
        const prefix: Prefix = await this.session.prefix(group[0]!.ids.slice(0, P));
        const rest = group.map((it) => ({ it, ids: it.ids.slice(P) }));
        const maxBatch = Math.min(this.limits.maxBatch, Math.max(1, Math.floor((PAST_BUDGETS * this.limits.tokenBudget) / (P + Math.max(...rest.map((x) => x.ids.length))))));
        for (const batch of planBatches(rest, { ...this.limits, maxBatch })) {
          const rows = await this.session.run(batch.map((x) => x.ids), this.columns, prefix);
          batch.forEach((x, r) => (out[at.get(x.it)!] = rows[r]!));
        }
      }
      return out;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Prompts of one query that share a prefix worth caching, and the rest. */
  private groups(items: Item[]): { alone: Item[]; shared: Item[][] } {
    if (!this.prefixCache) return { alone: items, shared: [] };
    const byGroup = new Map<string, Item[]>();
    for (const it of items) {
      const g = byGroup.get(it.group);
      if (g) g.push(it);
      else byGroup.set(it.group, [it]);
    }
    const alone: Item[] = [];
    const shared: Item[][] = [];
    for (const g of byGroup.values()) {
      if (g.length >= 2 && commonPrefix(g) >= MIN_PREFIX) shared.push(g);
      else alone.push(...g);
    }
    return { alone, shared };
  }
}

/** Tokens every prompt of a group starts with, leaving each at least its last token to run. */
function commonPrefix(group: Item[]): number {
  const first = group[0]!.ids;
  let n = Math.min(...group.map((it) => it.ids.length)) - 1;
  for (const it of group) {
    let i = 0;
    while (i < n && it.ids[i] === first[i]) i++;
    n = i;
  }
  return Math.max(0, n);
}

/** The recipe config.json and the name point to, or a clear error for a decoder without one. */
function recipeOf(idOrFolder: string, config: Record<string, unknown>, family: ModelFamily): string {
  if (family.kind === 'decoder' && family.recipe) return family.recipe;
  const arch = Array.isArray(config.architectures) ? String(config.architectures[0]) : 'model without architectures in config.json';
  if (family.kind === 'encoder') throw new RerankError('RERANK_BAD_OPTION', `${idOrFolder} is a ${arch}, not a decoder LLM; load it as a cross-encoder, or give a recipe`);
  throw new RerankError('RERANK_MODEL_INVALID', `${idOrFolder} is a ${arch} with no known reranker recipe (detected: Qwen3ForCausalLM or GemmaForCausalLM named "*reranker*", Qwen3ForSequenceClassification); give recipe qwen3-reranker, bge-reranker-v2-gemma or a recipe file`);
}

/** The recipe's max length (or the caller's), within the positions the model has. */
function maxLengthOf(config: Record<string, unknown>, override: number | undefined, recipe: Recipe): number {
  const limit = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : Infinity;
  if (override !== undefined) {
    if (!Number.isInteger(override) || override < 1 || override > limit) throw new RerankError('RERANK_BAD_OPTION', `maxLength must be an integer in [1, ${limit}] for this model, got ${override}`);
    return override;
  }
  return Math.min(recipe.maxLength, limit);
}

/** The vocabulary ids whose logits score: [no, yes] (softmax) or [yes] (sigmoid). */
function scoreColumns(recipe: Recipe, tok: TextTokenizer, configs: Parameters<typeof tokenIdOf>[2], session: DecoderSession): number[] {
  const where = `recipe ${recipe.name} scores`;
  const ids = [...(recipe.score.no !== undefined ? [tokenIdOf(tok, recipe.score.no, configs, where)] : []), tokenIdOf(tok, recipe.score.yes, configs, where)];
  const big = ids.find((id) => session.vocab !== undefined && id >= session.vocab);
  if (big !== undefined) throw new RerankError('RERANK_MODEL_INVALID', `${where} token id ${big}, beyond the ${session.vocab} logits of ${session.path}`);
  return ids;
}

/** Registry factory (kind "decoder"): a decoder reranker, whatever config.json says when a recipe is given. */
export async function createDecoderReranker(c: RerankerConfig): Promise<DecoderReranker> {
  if (!c.model) throw new RerankError('RERANK_BAD_OPTION', 'a decoder reranker needs a model (hub id or folder)');
  return DecoderReranker.load(c.model, c as DecoderRerankerOptions);
}
