import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { RerankError } from '../errors.js';
import type { Retriever } from '../types.js';
import { getAnalyzer, resolveLanguage } from './analyzers/index.js';
import { BM25_DEFAULTS, Bm25Index, buildBm25Data } from './bm25.js';
import { Bm25Retriever, HybridRetriever, VectorRetriever, type Corpus, type HybridOptions } from './retrievers.js';
import { loadIndex, saveIndex, type IndexFiles, type IndexManifest, type SaveHooks } from './store.js';
import { VectorIndex, type Embedder, type EmbedderLoader, type VectorIndexOptions } from './vector.js';

export * from './analyzers/index.js';
export { Bm25Index, buildBm25Data, BM25_DEFAULTS } from './bm25.js';
export type { Bm25Data, Bm25Params } from './bm25.js';
export { rrf, weightedFusion, normalize, RRF_K } from './fusion.js';
export type { Normalization } from './fusion.js';
export { mmr, mmrByEmbedding, jaccard } from './mmr.js';
export { VectorIndex, EXACT_SEARCH_LIMIT } from './vector.js';
export type { Embedder, EmbedderLoader } from './vector.js';
export { Bm25Retriever, VectorRetriever, HybridRetriever } from './retrievers.js';
export type { Corpus, HybridOptions } from './retrievers.js';
export { PostgresRetriever, postgresOptionsFromUrl } from './postgres.js';
export type { PostgresRetrieverOptions } from './postgres.js';
export { loadIndex, prepareIndexDir, saveIndex } from './store.js';
export type { IndexManifest, SaveHooks } from './store.js';

export type RetrieverKind = 'bm25' | 'vector' | 'hybrid';

export interface BuildOptions extends HybridOptions, VectorIndexOptions {
  /** Analyzer name ('en', 'zh', 'ja', 'zh-words', 'ja-words', 'whitespace') or 'auto' (default: detect from the corpus). */
  language?: string;
  /** Bi-encoder (hub id or folder) for 'vector' and 'hybrid', loaded by `loadEmbedder`. */
  model?: string;
  k1?: number;
  b?: number;
  /** Progress of the slow stages: 'index' (BM25 analysis) and 'embed' (document vectors), each from 0 to its total. */
  onProgress?: (done: number, total: number, stage: 'index' | 'embed') => void;
  /** A ready embedder instead of loading `model`. */
  embedder?: Embedder;
  /** Loads `model` (e.g. `BiEncoder.load`); retrieval imports no backend itself. */
  loadEmbedder?: EmbedderLoader;
}

/** Where a vector retriever gets its embedder: a ready one, or a model name and a loader. */
export type EmbedderSource = Pick<BuildOptions, 'model' | 'embedder' | 'loadEmbedder'>;

/** Builds an in-memory retriever over `docs`; persist it with saveRetriever. */
export async function buildRetriever(kind: RetrieverKind, docs: { id: string; text: string }[], opts: BuildOptions = {}): Promise<Retriever> {
  const corpus = checkDocs(docs);
  if (kind === 'bm25') return buildBm25(corpus, opts);
  if (kind === 'vector') return buildVector(corpus, opts);
  if (kind === 'hybrid') return new HybridRetriever([buildBm25(corpus, opts), await buildVector(corpus, opts)], opts);
  throw new RerankError('RERANK_BAD_OPTION', `unknown retriever "${String(kind)}" (known: bm25, vector, hybrid)`);
}

function checkDocs(docs: { id: string; text: string }[]): Corpus {
  if (!Array.isArray(docs) || docs.length === 0) throw new RerankError('RERANK_NO_DOCUMENTS');
  const seen = new Set<string>();
  docs.forEach((d, i) => {
    if (!d || typeof d.id !== 'string' || typeof d.text !== 'string') throw new RerankError('RERANK_BAD_DOCUMENT', `document ${i} needs string "id" and "text"`);
    if (seen.has(d.id)) throw new RerankError('RERANK_BAD_DOCUMENT', `duplicate document id "${d.id}"`);
    seen.add(d.id);
  });
  return { ids: docs.map((d) => d.id), texts: docs.map((d) => d.text) };
}

function buildBm25(corpus: Corpus, o: BuildOptions): Bm25Retriever {
  const language = resolveLanguage(o.language, corpus.texts);
  const analyzer = getAnalyzer(language);
  const params = { k1: o.k1 ?? BM25_DEFAULTS.k1, b: o.b ?? BM25_DEFAULTS.b };
  return new Bm25Retriever(new Bm25Index(buildBm25Data(corpus.texts, analyzer, o.onProgress && ((d, t) => o.onProgress!(d, t, 'index'))), analyzer, params), corpus, language);
}

async function embedderOf(o: EmbedderSource): Promise<Embedder> {
  if (o.embedder) return o.embedder;
  if (!o.model) throw new RerankError('RERANK_BAD_OPTION', 'vector retrieval needs a bi-encoder model (option `model`; on the command line --embed-model <hub id or folder>)');
  if (!o.loadEmbedder) throw new RerankError('RERANK_BAD_OPTION', `vector retrieval over "${o.model}" needs an embedder: pass \`embedder\`, or \`loadEmbedder\` (e.g. BiEncoder.load)`);
  return o.loadEmbedder(o.model);
}

async function buildVector(corpus: Corpus, o: BuildOptions): Promise<VectorRetriever> {
  const embedder = await embedderOf(o);
  const vectors = await embedder.embedDocuments(corpus.texts, o.onProgress && ((d, t) => o.onProgress!(d, t, 'embed')));
  return new VectorRetriever(embedder, await VectorIndex.build(vectors, o), corpus);
}

/** Writes a retriever built by buildRetriever (or openIndex) to `dir`, atomically. */
export async function saveRetriever(dir: string, r: Retriever, hooks?: SaveHooks): Promise<void> {
  const parts = r instanceof HybridRetriever ? r.retrievers : [r];
  const bm25 = parts.find((p): p is Bm25Retriever => p instanceof Bm25Retriever);
  const vec = parts.find((p): p is VectorRetriever => p instanceof VectorRetriever);
  const corpus = (bm25 ?? vec)?.corpus;
  if (!corpus) throw new RerankError('RERANK_BAD_OPTION', `cannot save retriever "${r.name}"`);
  const manifest: IndexManifest = {
    format: 'rerankit-index', version: 1, kind: bm25 && vec ? 'hybrid' : bm25 ? 'bm25' : 'vector', documents: corpus.ids.length, createdAt: new Date().toISOString(),
    ...(bm25 && { bm25: { language: bm25.language, ...bm25.index.params, totalTokens: bm25.index.data.totalTokens, docCount: bm25.index.data.docCount } }),
    ...(vec && { vector: { model: existsSync(vec.embedder.name) ? resolve(vec.embedder.name) : vec.embedder.name, dim: vec.index.dim, ann: vec.index.ann !== undefined } }),
  };
  const files: IndexFiles = { manifest, corpus, bm25: bm25?.index.data, vectors: vec?.index.data, saveAnn: vec?.index.ann ? (p) => vec.index.saveAnn(p) : undefined };
  await saveIndex(dir, files, hooks);
}

/**
 * Opens a saved index as a Retriever. Vector indexes take `embedder`, or reload the bi-encoder the
 * manifest names (or `model`) with `loadEmbedder`.
 */
export async function openIndex(dir: string, o: HybridOptions & EmbedderSource = {}): Promise<Retriever> {
  const f = await loadIndex(dir);
  const parts: Retriever[] = [];
  if (f.bm25 && f.manifest.bm25) {
    const { language, k1, b } = f.manifest.bm25;
    const analyzer = getAnalyzer(language);
    parts.push(new Bm25Retriever(new Bm25Index(f.bm25, analyzer, { k1, b }), f.corpus, language));
  }
  if (f.vectors && f.manifest.vector) {
    const embedder = await embedderOf({ ...o, model: o.model ?? f.manifest.vector.model });
    parts.push(new VectorRetriever(embedder, await VectorIndex.fromData(f.manifest.vector.dim, f.vectors, f.annPath), f.corpus));
  }
  return parts.length === 1 ? parts[0]! : new HybridRetriever(parts, o);
}
