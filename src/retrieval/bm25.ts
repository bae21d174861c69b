import { RerankError } from '../errors.js';
import type { Analyzer } from './analyzers/index.js';
import { intToByte4, LENGTH_TABLE } from './smallfloat.js';
import { topK, type Ranked } from './topk.js';

/** The inverted index in flat typed arrays: fast to build, to search and to save/load without parsing. */
export interface Bm25Data {
  terms: string[];
  /** Postings of term t are [offsets[t], offsets[t+1]) in docs/tfs. */
  offsets: Uint32Array;
  docs: Uint32Array;
  tfs: Uint32Array;
  /** Lucene's one-byte encoded length of each document. */
  norms: Uint8Array;
  /** Total tokens in the collection (Lucene's sumTotalTermFreq). */
  totalTokens: number;
  /** Documents with at least one token (Lucene's docCount for the field). */
  docCount: number;
}

export interface Bm25Params {
  k1: number;
  b: number;
}

export const BM25_DEFAULTS: Bm25Params = { k1: 0.9, b: 0.4 };

/** Builds the inverted index for documents already analyzed or analyzed here. */
export function buildBm25Data(texts: string[], analyze: Analyzer, onProgress?: (done: number, total: number) => void): Bm25Data {
  const postings = new Map<string, number[]>(); // term → [doc, tf, doc, tf, ...]
  const norms = new Uint8Array(texts.length);
  let totalTokens = 0;
  let docCount = 0;
  texts.forEach((text, d) => {
    const tokens = analyze(text);
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      const list = postings.get(t);
      if (list) list.push(d, n);
      else postings.set(t, [d, n]);
    }
    norms[d] = intToByte4(tokens.length);
    totalTokens += tokens.length;
    if (tokens.length > 0) docCount++;
    if (onProgress && (d % 1000 === 999 || d === texts.length - 1)) onProgress(d + 1, texts.length);
  });
  return flatten(postings, norms, totalTokens, docCount);
}

function flatten(postings: Map<string, number[]>, norms: Uint8Array, totalTokens: number, docCount: number): Bm25Data {
  const terms = [...postings.keys()];
  const offsets = new Uint32Array(terms.length + 1);
  terms.forEach((t, i) => (offsets[i + 1] = offsets[i]! + postings.get(t)!.length / 2));
  const docs = new Uint32Array(offsets[terms.length]!);
  const tfs = new Uint32Array(docs.length);
  terms.forEach((t, i) => {
    const list = postings.get(t)!;
    for (let j = 0, o = offsets[i]!; j < list.length; j += 2, o++) {
      docs[o] = list[j]!;
      tfs[o] = list[j + 1]!;
    }
  });
  return { terms, offsets, docs, tfs, norms, totalTokens, docCount };
}

/**
 * BM25 exactly as Lucene 9's BM25Similarity (what Anserini runs): idf = ln(1 + (N - df + 0.5)/(df + 0.5)),
 * term score = idf·tf/(tf + k1·(1 - b + b·dl/avgdl)) with no (k1+1) factor, dl decoded from the
 * one-byte norm, float32 arithmetic, repeated query terms counted as a boost (Anserini's bag of words).
 */
export class Bm25Index {
  private readonly termIds: Map<string, number>;
  private readonly cache: Float32Array;
  private readonly scratch: Float64Array;

  constructor(readonly data: Bm25Data, readonly analyze: Analyzer, readonly params: Bm25Params = BM25_DEFAULTS) {
    const { k1, b } = params;
    if (!(k1 >= 0) || !(b >= 0 && b <= 1)) throw new RerankError('RERANK_BAD_OPTION', `BM25 needs k1 >= 0 and 0 <= b <= 1 (got k1=${k1}, b=${b})`);
    this.termIds = new Map(data.terms.map((t, i) => [t, i]));
    const avgdl = Math.fround(data.docCount > 0 ? data.totalTokens / data.docCount : 1);
    this.cache = Float32Array.from(LENGTH_TABLE, (len) => Math.fround(1 / Math.fround(k1 * Math.fround(Math.fround(1 - b) + Math.fround(Math.fround(b * len) / avgdl)))));
    this.scratch = new Float64Array(data.norms.length);
  }

  get size(): number {
    return this.data.norms.length;
  }

  /** The k best documents (index into the corpus) for `query`; documents matching no term are left out. */
  search(query: string, k: number): Ranked[] {
    const { offsets, docs, tfs, norms, docCount } = this.data;
    const scores = this.scratch.fill(0);
    const touched = new Set<number>();
    for (const [id, boost] of this.queryTerms(query)) {
      const df = offsets[id + 1]! - offsets[id]!;
      const idf = Math.fround(Math.log(1 + (docCount - df + 0.5) / (df + 0.5)));
      const weight = Math.fround(boost * idf);
      for (let o = offsets[id]!; o < offsets[id + 1]!; o++) {
        const d = docs[o]!;
        const x = Math.fround(tfs[o]! * this.cache[norms[d]!]!);
        scores[d]! += Math.fround(weight - Math.fround(weight / Math.fround(1 + x)));
        touched.add(d);
      }
    }
    for (const d of touched) scores[d] = Math.fround(scores[d]!);
    return topK(scores, k, touched);
  }

  /** Known query terms with their multiplicity (Anserini's BagOfWordsQueryGenerator boosts). */
  private queryTerms(query: string): Map<number, number> {
    const out = new Map<number, number>();
    for (const t of this.analyze(query)) {
      const id = this.termIds.get(t);
      if (id !== undefined) out.set(id, (out.get(id) ?? 0) + 1);
    }
    return out;
  }
}
