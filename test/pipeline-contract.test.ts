import { after, before } from 'node:test';
import { BiReranker, CrossEncoder, createReranker, type DocInput, type Reranker } from '../src/index.js';
import { CachedReranker, CascadeReranker, EnsembleReranker, SelectiveReranker, ThresholdReranker } from '../src/pipeline/index.js';
import { startFakeLlm, type FakeLlm } from './fixtures/llm/fake-llm.js';
import { modelDir } from './helpers/fixtures.js';
import { CONTRACT_DOCS, rerankerContract } from './helpers/reranker-contract.js';

// Every combinator is a Reranker and passes the same suite as the backends, over real ONNX models and
// the fake LLM (an order-only member), so the result fields they pass through or set are checked too.
// The suite wants every document back, so cascades keep their tail and thresholds cut nothing here;
// cutting is pipeline-combinators.test.ts's.
const ce = (name = 'bert-ce-tiny') => CrossEncoder.load(modelDir(name));

let llm: FakeLlm;
before(async () => (llm = await startFakeLlm()));
after(() => llm.close());
const listwise = (): Promise<Reranker> => createReranker({ kind: 'listwise', llmBaseUrl: llm.url, llmModel: 'm', window: 4, stride: 2 });

/** The contract documents with first-stage scores, as a TwoStageRetriever passes them (margin 0.5). */
const scored: DocInput[] = CONTRACT_DOCS.map((d, i) => ({ ...(typeof d === 'string' ? { text: d } : d), score: [12, 6, 1, 4, 3, 0][i]! }));

rerankerContract('CascadeReranker (cross-encoders)', async () => new CascadeReranker(await ce('xlmr-ce-tiny'), await ce(), { keep: 3 }));
rerankerContract('CascadeReranker (cross-encoder > listwise): ranks continue into the tail', async () => new CascadeReranker(await ce(), await listwise(), { keep: 3 }), { fields: ['rank'] });
rerankerContract('ThresholdReranker', async () => new ThresholdReranker(await ce(), { threshold: 0, minKeep: 1 }), { fields: ['raw', 'logits'] });
rerankerContract('ThresholdReranker (listwise)', async () => new ThresholdReranker(await listwise(), { threshold: 0, minKeep: 2 }), { fields: ['rank'] });
rerankerContract('EnsembleReranker weighted', async () => new EnsembleReranker([{ reranker: await ce() }, { reranker: await ce('bert-ce-tiny-2label'), weight: 2 }], { normalize: 'minmax' }), { fields: ['members'] });
rerankerContract('EnsembleReranker rrf', async () => new EnsembleReranker([{ reranker: await ce() }, { reranker: await ce('xlmr-ce-tiny') }], { method: 'rrf' }), { fields: ['members'] });
rerankerContract('EnsembleReranker (cross-encoder + listwise)', async () => new EnsembleReranker([{ reranker: await ce() }, { reranker: await listwise() }]), { fields: ['members'] });
rerankerContract('SelectiveReranker (reranks: no first-stage scores)', async () => new SelectiveReranker(await ce()), { fields: ['raw', 'logits'] });
rerankerContract('SelectiveReranker (skips: a confident first stage)', async () => new SelectiveReranker(await ce(), { minMargin: 0.5 }), { fields: ['raw'], documents: scored });
rerankerContract('SelectiveReranker (reranks: an unsure first stage)', async () => new SelectiveReranker(await ce(), { minMargin: 0.9 }), { fields: ['raw', 'logits'], documents: scored });
rerankerContract('CachedReranker (cross-encoder)', async () => new CachedReranker(await ce(), { max: 4 }), { fields: ['raw', 'logits'], pointwise: true });
rerankerContract('CachedReranker (bi-encoder)', async () => new CachedReranker(await BiReranker.load(modelDir('bert-embed-tiny'))), { fields: ['raw'], pointwise: true });
rerankerContract('CachedReranker (pointwise LLM)', async () => new CachedReranker(await createReranker({ kind: 'pointwise', llmBaseUrl: llm.url, llmModel: 'm' })), { fields: ['raw'], pointwise: true });
