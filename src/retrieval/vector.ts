import { RerankError } from '../errors.js';
import { topK, type Ranked } from './topk.js';

/** What vector retrieval needs from a bi-encoder (BiEncoder satisfies it). */
export interface Embedder {
  readonly name: string;
  embedQueries(texts: string[]): Promise<Float32Array[]>;
  embedDocuments(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

/** Turns a model name (hub id or folder) into an Embedder, e.g. `BiEncoder.load`. */
export type EmbedderLoader = (model: string) => Promise<Embedder>;

/** Corpora up to this size are searched exactly: brute force is fast enough and has perfect recall. */
export const EXACT_SEARCH_LIMIT = 20_000;

type UsearchIndex = import('usearch').Index;

export interface VectorIndexOptions {
  /** 'auto' (default): ANN above EXACT_SEARCH_LIMIT documents; 'exact' or 'ann' to force. */
  mode?: 'auto' | 'exact' | 'ann';
}

/**
 * Unit-length document vectors in one flat Float32Array (cosine = dot product), searched exactly or
 * through a usearch HNSW graph. usearch is imported only when a graph is built or loaded.
 */
export class VectorIndex {
  private constructor(readonly dim: number, readonly data: Float32Array, readonly ann?: UsearchIndex) {}

  get size(): number {
    return this.data.length / this.dim;
  }

  static async build(vectors: Float32Array[], o: VectorIndexOptions = {}): Promise<VectorIndex> {
    const dim = vectors[0]?.length ?? 0;
    const data = new Float32Array(vectors.length * dim);
    vectors.forEach((v, i) => {
      if (v.length !== dim) throw new RerankError('RERANK_BAD_INPUT', `vector ${i} has ${v.length} dimensions, expected ${dim}`);
      data.set(unit(v), i * dim);
    });
    const useAnn = o.mode === 'ann' || ((o.mode ?? 'auto') === 'auto' && vectors.length > EXACT_SEARCH_LIMIT);
    return new VectorIndex(dim, data, useAnn && dim > 0 ? await buildAnn(data, dim) : undefined);
  }

  /** Wraps stored vectors; `annPath` is a usearch file saved by saveAnn, memory-mapped for a fast load. */
  static async fromData(dim: number, data: Float32Array, annPath?: string): Promise<VectorIndex> {
    if (!annPath) return new VectorIndex(dim, data);
    const usearch = await import('usearch');
    const ann = new usearch.Index({ dimensions: dim, metric: usearch.MetricKind.Cos, quantization: usearch.ScalarKind.F32, connectivity: 16, expansion_add: 128, expansion_search: 64, multi: false });
    ann.view(annPath);
    return new VectorIndex(dim, data, ann);
  }

  /** The k nearest documents by cosine; score = cosine similarity. */
  search(query: Float32Array, k: number): Ranked[] {
    if (query.length !== this.dim) throw new RerankError('RERANK_BAD_INPUT', `query vector has ${query.length} dimensions, index has ${this.dim}`);
    const q = unit(query);
    if (this.ann) return this.searchAnn(q, k);
    const scores = new Float32Array(this.size);
    for (let i = 0, o = 0; i < scores.length; i++, o += this.dim) {
      let s = 0;
      for (let j = 0; j < this.dim; j++) s += q[j]! * this.data[o + j]!;
      scores[i] = s;
    }
    return topK(scores, k);
  }

  private searchAnn(q: Float32Array, k: number): Ranked[] {
    const m = this.ann!.search(q, Math.min(k, this.size), 0);
    return Array.from(m.keys, (key, i) => ({ index: Number(key), score: 1 - m.distances[i]! }));
  }

  vector(i: number): Float32Array {
    return this.data.subarray(i * this.dim, (i + 1) * this.dim);
  }

  saveAnn(path: string): void {
    this.ann?.save(path);
  }
}

async function buildAnn(data: Float32Array, dim: number): Promise<UsearchIndex> {
  const usearch = await import('usearch');
  const ann = new usearch.Index({ dimensions: dim, metric: usearch.MetricKind.Cos, quantization: usearch.ScalarKind.F32, connectivity: 16, expansion_add: 128, expansion_search: 64, multi: false });
  const n = data.length / dim;
  const keys = new BigUint64Array(n).map((_, i) => BigInt(i));
  const rows = Array.from({ length: n }, (_, i) => data.subarray(i * dim, (i + 1) * dim));
  ann.add(keys, rows, 0);
  return ann;
}

export function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  return n === 0 || Math.abs(n - 1) < 1e-6 ? v : v.map((x) => x / n);
}
