import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tokenizer } from 'tokenizers';
import { RerankError, messageOf } from '../../errors.js';
import { resolveModel, type ResolveOptions } from '../../models/resolve.js';
import { padIdOf } from '../../models/tokenizer.js';
import type { RerankerConfig } from '../../types.js';
import type { Capability, DocInput, PairScorer, RerankOptions, RerankResult, ScoredPair } from '../../types.js';
import { checkRerankInput, finishResults } from '../../rerank-input.js';
import { buildTensors, planBatches, type BatchLimits, type PairItem } from './batching.js';
import { modelMaxLength } from './max-length.js';
import { OnnxModel, type SessionOptions } from './session.js';

export type Pooling = 'mean' | 'cls' | 'max' | 'lasttoken';

export interface BiEncoderOptions extends SessionOptions, Pick<ResolveOptions, 'revision' | 'progress'> {
  dtype?: string;
  /** Tokens per text incl. special tokens (default: min(model_max_length, max_position_embeddings)). */
  maxLength?: number;
  /** Overrides 1_Pooling/config.json. */
  pooling?: Pooling;
  /** L2-normalise embeddings (default true: cosine = dot product, which the vector index relies on). */
  normalize?: boolean;
  /** Text prepended to queries / documents (e.g. "query: " and "passage: " for E5 models). */
  queryPrefix?: string;
  documentPrefix?: string;
  batch?: Partial<BatchLimits>;
}

const DEFAULT_LIMITS: BatchLimits = { tokenBudget: 8192, maxBatch: 64 };

/** A sentence-transformers bi-encoder run by ONNX Runtime: text → pooled (normalised) embedding. */
export class BiEncoder {
  private closed = false;

  private constructor(
    readonly name: string,
    private readonly model: OnnxModel,
    private readonly tok: Tokenizer,
    private readonly padId: number,
    readonly pooling: Pooling,
    readonly maxLength: number,
    readonly dimensions: number,
    private readonly o: BiEncoderOptions,
  ) {}

  static async load(idOrFolder: string, o: BiEncoderOptions = {}): Promise<BiEncoder> {
    const files = await resolveModel(idOrFolder, { ...o, extraFiles: ['1_Pooling/config.json', 'modules.json'] });
    const poolingConfig = await readOptionalJson(join(files.dir, '1_Pooling', 'config.json'));
    const pooling = o.pooling ?? poolingFrom(poolingConfig);
    const maxLength = modelMaxLength(files.config, files.tokenizerConfig, o.maxLength, 2);
    const tok = await loadTokenizer(files.tokenizerPath, maxLength);
    const model = await OnnxModel.load(files.onnxPath, o);
    const dims = Number(poolingConfig?.word_embedding_dimension ?? files.config.hidden_size ?? 0);
    return new BiEncoder(idOrFolder, model, tok, padIdOf(tok, files.tokenizerConfig, files.config), pooling, maxLength, dims, o);
  }

  /** Token ids per text, truncated to maxLength by the Rust tokenizer itself (special tokens included). */
  async tokenize(texts: string[]): Promise<PairItem[]> {
    const encs = await this.tok.encodeBatch(texts, { addSpecialTokens: true });
    return encs.map((e, key) => ({ key, ids: e.getIds(), typeIds: e.getTypeIds() }));
  }

  /** What embeddings depend on besides the text: model, dtype, max length, pooling, normalisation, prefixes. */
  get identity(): string {
    const o = this.o;
    return JSON.stringify([this.name, o.dtype ?? 'fp32', this.maxLength, this.pooling, o.normalize !== false, o.queryPrefix ?? '', o.documentPrefix ?? '']);
  }

  async embedQueries(texts: string[]): Promise<Float32Array[]> {
    return this.embed(texts.map((t) => (this.o.queryPrefix ?? '') + t));
  }

  async embedDocuments(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    return this.embed(texts.map((t) => (this.o.documentPrefix ?? '') + t), onProgress);
  }

  /** Embeds texts in length-sorted padded batches; results come back in input order. */
  async embed(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    if (this.closed) throw new RerankError('RERANK_CLOSED');
    const out = new Array<Float32Array>(texts.length);
    let done = 0;
    for (const batch of planBatches(await this.tokenize(texts), { ...DEFAULT_LIMITS, ...this.o.batch })) {
      const t = buildTensors(batch, this.padId);
      const hidden = await this.model.run(t);
      if (hidden.dims.length !== 3) throw new RerankError('RERANK_MODEL_OUTPUT', `expected last_hidden_state [batch, tokens, hidden], got [${hidden.dims.join(', ')}]`);
      const h = hidden.dims[2]!;
      const data = hidden.data as Float32Array;
      batch.forEach((item, r) => {
        const v = pool(data.subarray(r * t.cols * h, (r + 1) * t.cols * h), item.ids.length, h, this.pooling);
        out[item.key] = this.o.normalize === false ? v : l2normalize(v);
      });
      done += batch.length;
      onProgress?.(done, texts.length);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.model.release();
  }
}

async function loadTokenizer(path: string, maxLength: number): Promise<Tokenizer> {
  const { Tokenizer } = await import('tokenizers'); // native: loaded on first use, not by `import 'rerankit'`
  try {
    const tok = Tokenizer.fromFile(path);
    // sentence-transformers exports bake padding and truncation (often 128) into tokenizer.json; ignore them.
    tok.disablePadding();
    tok.setTruncation(maxLength);
    return tok;
  } catch (e) {
    throw new RerankError('RERANK_TOKENIZER_INVALID', `cannot load ${path}: ${messageOf(e).split('\n')[0]}`);
  }
}

async function readOptionalJson(p: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(p, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new RerankError('RERANK_MODEL_INVALID', `${p} is not valid JSON`);
  }
}

/** sentence-transformers' pooling flags; mean when the file is missing (its own default). */
export function poolingFrom(c: Record<string, unknown> | undefined): Pooling {
  if (c?.pooling_mode_cls_token) return 'cls';
  if (c?.pooling_mode_max_tokens) return 'max';
  if (c?.pooling_mode_lasttoken) return 'lasttoken';
  return 'mean';
}

/** Pools one row of [tokens, hidden] over its first `n` (unpadded) tokens. */
export function pool(row: Float32Array, n: number, h: number, mode: Pooling): Float32Array {
  if (mode === 'cls') return row.slice(0, h);
  if (mode === 'lasttoken') return row.slice((n - 1) * h, n * h);
  const v = new Float32Array(h).fill(mode === 'max' ? -Infinity : 0);
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < h; j++) {
      const x = row[t * h + j]!;
      v[j] = mode === 'max' ? Math.max(v[j]!, x) : v[j]! + x;
    }
  }
  if (mode === 'mean') for (let j = 0; j < h; j++) v[j] = v[j]! / Math.max(n, 1);
  return v;
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const norm = Math.max(Math.sqrt(s), 1e-12); // sentence-transformers' F.normalize eps
  return v.map((x) => x / norm);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.max(Math.sqrt(na * nb), 1e-12);
}

/**
 * The bi-encoder as a Reranker: raw = cosine(query, document), score = (cos + 1) / 2 in [0, 1]; no
 * `logits` (an embedding model has no classification head). It scores arbitrary pairs too ('score-pairs').
 */
export class BiReranker implements PairScorer {
  readonly capabilities: readonly Capability[] = ['score-pairs'];

  constructor(readonly encoder: BiEncoder) {}

  get name(): string {
    return this.encoder.name;
  }

  get identity(): string {
    return `bi-encoder|${this.encoder.identity}`;
  }

  static async load(idOrFolder: string, o: BiEncoderOptions = {}): Promise<BiReranker> {
    return new BiReranker(await BiEncoder.load(idOrFolder, o));
  }

  async rerank(query: string, documents: DocInput[], o: RerankOptions = {}): Promise<RerankResult[]> {
    const texts = checkRerankInput(query, documents, o);
    const [q] = await this.encoder.embedQueries([query]);
    const docs = await this.encoder.embedDocuments(texts);
    const results = docs.map((d, index) => ({ index, ...cosineScore(q!, d) }));
    return finishResults(results, documents, o);
  }

  /** Scores (query, document) pairs in input order; each distinct query and document is embedded once. */
  async score(pairs: [string, string][]): Promise<ScoredPair[]> {
    if (!Array.isArray(pairs)) throw new RerankError('RERANK_BAD_INPUT', 'pairs must be an array of [query, document]');
    pairs.forEach((p, i) => {
      if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'string') throw new RerankError('RERANK_BAD_INPUT', `pair ${i} must be [string, string]`);
    });
    const queries = [...new Set(pairs.map((p) => p[0]))];
    const docs = [...new Set(pairs.map((p) => p[1]))];
    const qv = new Map((await this.encoder.embedQueries(queries)).map((v, i) => [queries[i]!, v]));
    const dv = new Map((await this.encoder.embedDocuments(docs)).map((v, i) => [docs[i]!, v]));
    return pairs.map(([q, d]) => cosineScore(qv.get(q)!, dv.get(d)!));
  }

  close(): Promise<void> {
    return this.encoder.close();
  }
}

function cosineScore(q: Float32Array, d: Float32Array): ScoredPair {
  const cos = cosine(q, d);
  return { score: Math.min(1, Math.max(0, (cos + 1) / 2)), raw: cos };
}

/** Registry factory for kind 'bi-encoder'. */
export async function createBiReranker(c: RerankerConfig): Promise<BiReranker> {
  if (!c.model) throw new RerankError('RERANK_BAD_OPTION', 'a bi-encoder needs a model (hub id or folder)');
  return BiReranker.load(c.model, c as BiEncoderOptions);
}
