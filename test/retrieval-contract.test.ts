import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { BiEncoder } from '../src/backends/onnx/bi-encoder.js';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import { SelectiveReranker, TwoStageRetriever } from '../src/pipeline/index.js';
import { buildRetriever, openIndex, saveRetriever } from '../src/retrieval/index.js';
import type { Retriever } from '../src/types.js';
import { modelDir } from './helpers/fixtures.js';
import { CONTRACT_CORPUS, retrieverContract } from './helpers/retriever-contract.js';

// The shared Retriever contract on every retriever: BM25 (detected and forced analyzers, a Chinese
// corpus), vector search (exact and ANN) over the bert-embed-tiny fixture, both hybrid fusions, an
// index saved and reopened, and two-stage pipelines (retriever → reranker), which are Retrievers too.
let enc: BiEncoder;
let ce: CrossEncoder;
let dir: string;
before(async () => {
  [enc, ce] = await Promise.all([BiEncoder.load(modelDir('bert-embed-tiny')), CrossEncoder.load(modelDir('bert-ce-tiny'))]);
  dir = mkdtempSync(join(tmpdir(), 'rerankit-retriever-contract-'));
});
after(async () => {
  await Promise.all([enc.close(), ce.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const docs = CONTRACT_CORPUS;
const zh = [
  { id: 'z1', text: '巴黎是法国的首都。' },
  { id: 'z2', text: '柏林是德国的首都。' },
  { id: 'z3', text: '埃菲尔铁塔位于巴黎。' },
  { id: 'z4', text: '香蕉是黄色的。' },
];

retrieverContract('Bm25Retriever (en)', () => buildRetriever('bm25', docs, { language: 'en' }));
retrieverContract('Bm25Retriever (auto language, k1 0.9 b 0.4)', () => buildRetriever('bm25', docs, { k1: 0.9, b: 0.4 }));
retrieverContract('Bm25Retriever (zh)', () => buildRetriever('bm25', zh, { language: 'zh' }), { corpus: zh, queries: ['巴黎', '德国首都'] });
retrieverContract('VectorRetriever (exact)', () => buildRetriever('vector', docs, { embedder: enc, mode: 'exact' }));
retrieverContract('VectorRetriever (ANN)', () => buildRetriever('vector', docs, { embedder: enc, mode: 'ann' }), { prefixStable: false });
retrieverContract('HybridRetriever (rrf)', () => buildRetriever('hybrid', docs, { embedder: enc, language: 'en' }));
retrieverContract('HybridRetriever (weighted, z-score)', () => buildRetriever('hybrid', docs, { embedder: enc, language: 'en', fusion: 'weighted', normalization: 'zscore', weights: [1, 2] }));
retrieverContract('hybrid index saved and reopened', async () => {
  await saveRetriever(dir, await buildRetriever('hybrid', docs, { embedder: enc, language: 'en' }));
  return openIndex(dir, { embedder: enc });
});
retrieverContract('TwoStageRetriever (BM25 → cross-encoder)', async (): Promise<Retriever> =>
  new TwoStageRetriever(await buildRetriever('bm25', docs, { language: 'en' }), ce, { firstStageK: 6, topK: 4 }));
retrieverContract('TwoStageRetriever (hybrid → selective cross-encoder)', async (): Promise<Retriever> =>
  new TwoStageRetriever(await buildRetriever('hybrid', docs, { embedder: enc, language: 'en' }), new SelectiveReranker(ce, { minMargin: 0.3 }), { firstStageK: 8 }));
