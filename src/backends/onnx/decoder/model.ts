import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RerankError, messageOf } from '../../../errors.js';
import { floatsOf, type FeedBuffers, type SessionInfo, type SessionOptions } from '../session.js';

type SessionWorker = import('../session-worker.js').SessionWorker;

/** One layer's past input (`past_key_values.{i}.key`) and the output that returns it (`present.{i}.key`). */
interface PastTensor {
  input: string;
  output: string;
  type: 'float32' | 'float16';
  /** [kv heads, head dim]. */
  dims: [number, number];
}

/** A shared prompt prefix run once: its past tensors ([1, kv heads, length, head dim] each), fed to every document batch. */
export interface Prefix {
  length: number;
  past: Map<string, Float32Array | Uint16Array>;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;
const OTHER_INPUTS = new Set(['input_ids', 'attention_mask', 'position_ids', 'use_cache_branch']);

/**
 * An ONNX Runtime session for a decoder LLM export, in the layout of optimum / transformers.js
 * exports: a causal LM (input_ids, attention_mask, position_ids, past_key_values.* → logits
 * [b, s, vocab], present.*) or a sequence-classification conversion (input_ids, attention_mask →
 * logits [b, labels]). Causal graphs are edited at load so that logits hold the last position only.
 * The session lives in a worker thread, like an encoder's (OnnxModel in session.ts): feeds are handed
 * over, the fetched outputs (logits, or a prefix's present.*) come back in buffers of their own.
 */
export class DecoderSession {
  private constructor(
    private readonly worker: SessionWorker,
    readonly path: string,
    /** 'causal': logits over the vocabulary; 'head': a classification head's logits. */
    readonly kind: 'causal' | 'head',
    /** logits come back as [b, 1, vocab] (the graph was edited), not [b, s, vocab]. */
    readonly lastOnly: boolean,
    private readonly past: PastTensor[],
    private readonly padId: number,
    /** Which side rows are padded on. */
    readonly padding: 'left' | 'right',
    /** Vocabulary size of a causal export (the logits' last dimension), when the export declares it. */
    readonly vocab: number | undefined,
  ) {}

  /**
   * Causal exports are run with the recipe's padding and position_ids = cumsum(mask) − 1; exports
   * without position_ids (seq-cls conversions number positions 0..n−1 themselves) are padded on the
   * right, where those positions are exact and their last-non-pad pooling finds the last token.
   */
  static async load(path: string, config: Record<string, unknown>, padId: number, padding: 'left' | 'right', o: SessionOptions): Promise<DecoderSession> {
    const { SessionWorker } = await import('../session-worker.js');
    // Right padding reads each row's own last position, so it needs every position's logits.
    let edit = padding === 'left' ? await lastPositionEdit(path) : undefined;
    let worker = await SessionWorker.start(edit ? { path, bytes: edit.bytes, dir: dirname(path) } : { path }, o);
    if (edit && !worker.info.inputNames.includes('position_ids')) {
      // Without position_ids it must be padded on the right (see above), so it must keep every position.
      await worker.close();
      edit = undefined;
      worker = await SessionWorker.start({ path }, o);
    }
    try {
      return DecoderSession.check(worker, path, config, padId, padding, Boolean(edit));
    } catch (e) {
      await worker.close();
      throw e;
    }
  }

  private static check(worker: SessionWorker, path: string, config: Record<string, unknown>, padId: number, padding: 'left' | 'right', lastOnly: boolean): DecoderSession {
    const session = worker.info;
    const names = session.inputNames;
    const unknown = names.filter((n) => !OTHER_INPUTS.has(n) && !PAST.test(n));
    if (unknown.length || !names.includes('input_ids') || !names.includes('attention_mask')) {
      throw new RerankError('RERANK_MODEL_INVALID', `${path} takes inputs [${names.join(', ')}]; a decoder reranker export takes input_ids, attention_mask and optionally position_ids and past_key_values.*`);
    }
    const logits = session.outputMetadata.find((m) => m.name === 'logits');
    if (!logits) throw new RerankError('RERANK_MODEL_INVALID', `${path} has no "logits" output (outputs: ${session.outputNames.join(', ')}); export the model with its LM head (optimum task text-generation, or text-classification for seq-cls conversions)`);
    const shape = logits.isTensor ? logits.shape : [];
    const kind = shape.length === 3 ? 'causal' : 'head';
    const vocab = kind === 'causal' && typeof shape[2] === 'number' ? shape[2] : undefined;
    const past = kind === 'causal' ? pastTensors(session, config) : [];
    // Positions come from position_ids where the export takes them; otherwise only right padding keeps them exact.
    const side = names.includes('position_ids') ? padding : 'right';
    return new DecoderSession(worker, path, kind, lastOnly && side === 'left', past, padId, side, vocab);
  }

  /** The export has past inputs and returns them: a shared prefix can be run once. */
  get canCache(): boolean {
    return this.past.length > 0 && this.past.every((p) => p.output);
  }

  /** Runs a prompt prefix alone and keeps its past tensors. */
  async prefix(ids: number[]): Promise<Prefix> {
    const out = await this.worker.run(this.feeds([ids]), this.past.map((p) => p.output));
    return { length: ids.length, past: new Map(this.past.map((p) => [p.input, out[p.output]!.data as Float32Array | Uint16Array])) };
  }

  /**
   * For each row, the logits at its last real position: the given vocabulary columns of a causal export,
   * or all of a head's logits. With a prefix, each row continues it (the prefix's past is repeated over
   * the batch, positions go on from its length).
   */
  async run(rows: number[][], columns: number[], prefix?: Prefix): Promise<number[][]> {
    const out = (await this.worker.run(this.feeds(rows, prefix), ['logits'])).logits!;
    const data = floatsOf(out, 'logits');
    const dims = out.dims;
    const cols = Math.max(...rows.map((r) => r.length));
    if (this.kind === 'head') {
      if (dims.length !== 2 || dims[0] !== rows.length) throw this.badShape(dims, `[${rows.length}, labels]`);
      return rows.map((_, r) => Array.from(data.subarray(r * dims[1]!, (r + 1) * dims[1]!)));
    }
    const positions = this.lastOnly ? 1 : cols;
    if (dims.length !== 3 || dims[0] !== rows.length || dims[1] !== positions) throw this.badShape(dims, `[${rows.length}, ${positions}, vocab]`);
    const V = dims[2]!;
    return rows.map((row, r) => {
      const at = this.lastOnly ? 0 : this.padding === 'left' ? cols - 1 : row.length - 1;
      const base = (r * positions + at) * V;
      return columns.map((c) => data[base + c]!);
    });
  }

  async release(): Promise<void> {
    await this.worker.close();
  }

  /** Padded input_ids, attention_mask (prefix included), position_ids = cumsum(mask) − 1 (pads 1), past tensors: fresh buffers, handed to the worker. */
  private feeds(rows: number[][], prefix?: Prefix): FeedBuffers {
    const B = rows.length;
    const S = Math.max(...rows.map((r) => r.length));
    const P = prefix?.length ?? 0;
    const ids = new BigInt64Array(B * S).fill(BigInt(this.padId));
    const mask = new BigInt64Array(B * (P + S));
    const pos = new BigInt64Array(B * S).fill(1n);
    rows.forEach((row, r) => {
      const offset = this.padding === 'left' ? S - row.length : 0;
      mask.fill(1n, r * (P + S), r * (P + S) + P);
      for (let i = 0; i < row.length; i++) {
        ids[r * S + offset + i] = BigInt(row[i]!);
        mask[r * (P + S) + P + offset + i] = 1n;
        pos[r * S + offset + i] = BigInt(P + i);
      }
    });
    const feeds: FeedBuffers = {
      input_ids: { type: 'int64', data: ids, dims: [B, S] },
      attention_mask: { type: 'int64', data: mask, dims: [B, P + S] },
    };
    const names = this.worker.info.inputNames;
    if (names.includes('position_ids')) feeds.position_ids = { type: 'int64', data: pos, dims: [B, S] };
    if (names.includes('use_cache_branch')) feeds.use_cache_branch = { type: 'bool', data: Uint8Array.of(P > 0 ? 1 : 0), dims: [1] };
    for (const p of this.past) {
      const one = prefix?.past.get(p.input);
      const dims = [B, ...insertLength(p.dims, P)];
      // The prefix's own tensors stay here for the next batch; the worker gets a repeated copy.
      feeds[p.input] = p.type === 'float16'
        ? { type: 'float16', data: one ? repeat(one as Uint16Array, B) : new Uint16Array(0), dims }
        : { type: 'float32', data: one ? repeat(one as Float32Array, B) : new Float32Array(0), dims };
    }
    return feeds;
  }

  private badShape(dims: readonly number[], want: string): RerankError {
    return new RerankError('RERANK_MODEL_OUTPUT', `${this.path}: "logits" has shape [${dims.join(', ')}], expected ${want}`);
  }
}

/** The past inputs, with their shapes from the export (or config.json) and the outputs that return them. */
function pastTensors(session: SessionInfo, config: Record<string, unknown>): PastTensor[] {
  const num = (k: string) => (typeof config[k] === 'number' ? (config[k] as number) : undefined);
  const heads = num('num_key_value_heads') ?? num('num_attention_heads');
  const headDim = num('head_dim') ?? ((num('hidden_size') ?? 0) / (num('num_attention_heads') ?? 1) || undefined);
  return session.inputMetadata.flatMap((m): PastTensor[] => {
    if (!PAST.test(m.name) || !m.isTensor) return [];
    const [, h, , d] = m.shape;
    const dims: [number, number] = [typeof h === 'number' ? h : heads ?? NaN, typeof d === 'number' ? d : headDim ?? NaN];
    if (!dims.every(Number.isInteger)) throw new RerankError('RERANK_MODEL_INVALID', `${m.name} has shape [${m.shape.join(', ')}] and config.json gives no num_key_value_heads / head_dim to fill it`);
    const output = m.name.replace('past_key_values', 'present');
    return [{ input: m.name, output: session.outputNames.includes(output) ? output : '', type: m.type === 'float16' ? 'float16' : 'float32', dims }];
  });
}

/** [kv heads, head dim] → [kv heads, length, head dim]. */
const insertLength = ([h, d]: [number, number], length: number) => [h, length, d];

/** One row's tensor repeated over a batch (the batch is the outer dimension). */
function repeat<T extends Float32Array | Uint16Array>(one: T, times: number): T {
  const out = new (one.constructor as new (n: number) => T)(one.length * times);
  for (let r = 0; r < times; r++) out.set(one, r * one.length);
  return out;
}

/** The export edited to return the last position's logits; undefined for a head export, or where the edit fails (the full logits are then read). */
async function lastPositionEdit(path: string): Promise<{ bytes: Uint8Array } | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new RerankError('RERANK_FILE', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? messageOf(e)}`);
  }
  const { lastPositionLogits } = await import('../../../onnx/last-position.js');
  try {
    return lastPositionLogits(bytes);
  } catch {
    return undefined;
  }
}
