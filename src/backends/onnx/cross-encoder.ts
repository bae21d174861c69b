import { RerankError } from '../../errors.js';
import { resolveModel, type ModelFiles, type ResolveOptions } from '../../models/resolve.js';
import { PairTokenizer } from '../../models/tokenizer.js';
import type { RerankerConfig } from '../../types.js';
import type { TruncationPlan } from '../../models/truncate.js';
import type { Capability, DocInput, PairOptions, PairScorer, RerankOptions, RerankResult, ScoredPair, TokenCounter } from '../../types.js';
import { checkRerankInput, finishResults } from '../../rerank-input.js';
import { buildTensors, planBatches, type BatchLimits, type PairItem } from './batching.js';
import { chunkWindows } from './chunks.js';
import { rawOf, scoreOf } from './heads.js';
import { modelMaxLength } from './max-length.js';
import { truncationPlan } from './plan.js';
import { OnnxModel, type SessionOptions } from './session.js';

export interface CrossEncoderOptions extends SessionOptions, Pick<ResolveOptions, 'revision' | 'progress'> {
  /** Tokens per pair incl. special tokens (default: min(model_max_length, max_position_embeddings)). */
  maxLength?: number;
  /** ONNX variant: fp32 (default), fp16, int8, ... or an .onnx file name. */
  dtype?: string;
  /** 'truncate' (default) cuts long documents; 'chunk' scores overlapping windows and keeps the best. */
  longDocuments?: 'truncate' | 'chunk';
  /** Padded tokens per ONNX call and rows per call; tuned for small CPUs by the benchmark. */
  batch?: Partial<BatchLimits>;
  /** Keep recent texts' token ids (default true); benchmarks turn it off to time tokenization. */
  tokenCache?: boolean;
}

/**
 * Small batches: per-token speed is flat from ~256 padded tokens per call up (bench/knobs.ts), while the
 * padding a batch adds grows with it (100 titles: +9% at 512, +33% at 4096, 4096 was 20% slower).
 */
export const DEFAULT_LIMITS: BatchLimits = { tokenBudget: 512, maxBatch: 64 };

/** A Hugging Face cross-encoder (BERT, XLM-R, ...) run by ONNX Runtime, scoring like sentence-transformers. */
export class CrossEncoder implements PairScorer, TokenCounter {
  readonly capabilities: readonly Capability[] = ['score-pairs', 'count-tokens'];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly name: string,
    private readonly model: OnnxModel,
    private readonly tokenizer: PairTokenizer,
    readonly maxLength: number,
    readonly dtype: string,
    readonly longDocuments: 'truncate' | 'chunk',
    private readonly limits: BatchLimits,
  ) {}

  /** Scores depend on the model, its max length, dtype and long-document policy besides the texts. */
  get identity(): string {
    return `${this.name}|${this.maxLength}|${this.dtype}|${this.longDocuments}`;
  }

  static async load(idOrFolder: string, o: CrossEncoderOptions = {}): Promise<CrossEncoder> {
    return CrossEncoder.fromFiles(idOrFolder, await resolveModel(idOrFolder, o), o);
  }

  /** From files already resolved (the registry reads config.json first to tell encoders from decoder LLMs). */
  static async fromFiles(idOrFolder: string, files: ModelFiles, o: CrossEncoderOptions = {}): Promise<CrossEncoder> {
    const longDocuments = o.longDocuments ?? 'truncate';
    if (longDocuments !== 'truncate' && longDocuments !== 'chunk') throw new RerankError('RERANK_BAD_OPTION', `longDocuments must be "truncate" or "chunk", got "${longDocuments}"`);
    const tokenizer = await PairTokenizer.load(files.tokenizerPath, files.tokenizerConfig, files.config, { cache: o.tokenCache });
    const maxLength = modelMaxLength(files.config, files.tokenizerConfig, o.maxLength, tokenizer.specials);
    const model = await OnnxModel.load(files.onnxPath, o);
    const ce = new CrossEncoder(idOrFolder, model, tokenizer, maxLength, o.dtype ?? 'fp32', longDocuments, { ...DEFAULT_LIMITS, ...o.batch });
    await ce.score([['warm up', 'the session']]).catch(async (e) => {
      await model.release();
      throw e;
    });
    return ce;
  }

  async rerank(query: string, documents: DocInput[], o: RerankOptions = {}): Promise<RerankResult[]> {
    const texts = checkRerankInput(query, documents, o);
    const plan = this.truncationPlan(o);
    // One tokenizer call for the query and all documents: the query is tokenized once.
    const [q, ...docs] = await this.tokenizer.encodeTexts([query, ...texts]);
    const logits = await this.scoreTokens(docs.map((d) => [q, d]), plan);
    const results = logits.map((l, index) => ({ index, ...scored(l) }));
    return finishResults(results, documents, o);
  }

  async score(pairs: [string, string][], o: PairOptions = {}): Promise<ScoredPair[]> {
    if (!Array.isArray(pairs)) throw new RerankError('RERANK_BAD_INPUT', 'pairs must be an array of [query, document]');
    pairs.forEach((p, i) => {
      if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'string') throw new RerankError('RERANK_BAD_INPUT', `pair ${i} must be [string, string]`);
    });
    const plan = this.truncationPlan(o);
    const tokens = await this.encodePairs(pairs);
    const logits = await this.scoreTokens(tokens, plan);
    return logits.map(scored);
  }

  /** Tokens per (query, document) pair as score() feeds them to the model, special tokens included; chunked documents count every window. */
  async countTokens(query: string, documents: string[], o: PairOptions = {}): Promise<number[]> {
    const plan = this.truncationPlan(o);
    const [q, ...docs] = await this.tokenizer.encodeTexts([query, ...documents]);
    return docs.map((d, i) => this.itemsFor(q, d, i, plan).reduce((n, it) => n + it.ids.length, 0));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.model.release();
  }

  /** Tokenizes every distinct text once, in one batch. */
  private async encodePairs(pairs: [string, string][]): Promise<[number[], number[]][]> {
    const ids = await this.tokenizer.encodeTexts(pairs.flat());
    return pairs.map((_, i) => [ids[2 * i], ids[2 * i + 1]]);
  }

  /** Logits per pair; in chunk mode a pair's logits are those of its best window. */
  private async scoreTokens(pairs: [number[], number[]][], plan: TruncationPlan): Promise<number[][]> {
    const items = pairs.flatMap(([q, d], key) => this.itemsFor(q, d, key, plan));
    const byItem = await this.infer(items);
    const best: number[][] = new Array(pairs.length);
    items.forEach((it, i) => {
      const l = byItem[i];
      if (!best[it.key] || scoreOf(l) > scoreOf(best[it.key])) best[it.key] = l;
    });
    return best;
  }

  /**
   * The model inputs of one pair under a call's plan: the document capped (maxTokensPerDoc), then the
   * pair truncated as tokenizers' longest_first does, or the document's windows (chunk mode, at most
   * maxChunks); with truncate: false a pair that would lose tokens is an error instead.
   */
  private itemsFor(q: number[], d: number[], key: number, plan: TruncationPlan): PairItem[] {
    const tok = this.tokenizer;
    const { direction } = plan;
    if (plan.maxTokensPerDoc !== undefined) d = tok.cap(d, plan.maxTokensPerDoc, direction);
    const length = q.length + d.length + tok.specials;
    const tooLong = () =>
      new RerankError('RERANK_LIMIT', `document ${key} has ${length} tokens with the query (special tokens included), more than the max length ${this.maxLength}, and truncate is false`);
    if (!plan.chunk) {
      if (!plan.truncate && length > this.maxLength) throw tooLong();
      return [{ key, ...tok.pair(q, d, this.maxLength, direction) }];
    }
    const kept: [number, number] = [tok.kept(q, this.maxLength, direction), tok.kept(d, this.maxLength, direction)];
    const [qk, windows] = chunkWindows(q, d, this.maxLength - tok.specials, { kept, direction });
    // Windows are not cuts; losing query tokens or windows past maxChunks is.
    if (!plan.truncate && (qk.length < q.length || windows.length > plan.maxChunks)) throw tooLong();
    return windows.slice(0, plan.maxChunks).map((w) => ({ key, ...tok.fill(qk, w) }));
  }

  /** Checks a call's truncation options (RERANK_BAD_OPTION names the bad one) and resolves them. */
  private truncationPlan(o: PairOptions | undefined): TruncationPlan {
    return truncationPlan(o, this.longDocuments);
  }

  /** Runs all items through the model, one batch at a time; results in item order. */
  private infer(items: PairItem[]): Promise<number[][]> {
    const run = async () => {
      if (this.closed) throw new RerankError('RERANK_CLOSED');
      const order = new Map(items.map((it, i) => [it, i]));
      const out: number[][] = new Array(items.length);
      for (const batch of planBatches(items, this.limits)) {
        const rows = await this.runBatch(batch);
        batch.forEach((it, r) => (out[order.get(it)!] = rows[r]));
      }
      return out;
    };
    // One inference at a time per model: ONNX Runtime already uses every core for one call.
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async runBatch(batch: PairItem[]): Promise<number[][]> {
    const out = await this.model.run(buildTensors(batch, this.tokenizer.padId));
    const [rows, labels] = out.dims;
    if (out.dims.length !== 2 || rows !== batch.length || labels < 1 || labels > 2) {
      throw new RerankError('RERANK_MODEL_OUTPUT', `model output "${this.model.outputName}" has shape [${out.dims.join(', ')}]; a reranker must output [batch, 1] or [batch, 2] logits`);
    }
    const data = out.data as Float32Array;
    return batch.map((_, r) => Array.from(data.subarray(r * labels, (r + 1) * labels)));
  }
}

/** A head's logits as result fields: score in [0,1], raw log-odds, the logits themselves. */
function scored(logits: number[]): ScoredPair {
  return { score: scoreOf(logits), raw: rawOf(logits), logits };
}

/** Registry factory: builds a CrossEncoder from a config object (CLI flags, server YAML). */
export async function createCrossEncoder(c: RerankerConfig): Promise<CrossEncoder> {
  if (!c.model) throw new RerankError('RERANK_BAD_OPTION', 'a cross-encoder needs a model (hub id or folder)');
  return CrossEncoder.load(c.model, c as CrossEncoderOptions);
}
