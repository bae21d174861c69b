import { CrossEncoder } from '../src/index.js';
import { CachedReranker, CascadeReranker, EnsembleReranker, SelectiveReranker, ThresholdReranker } from '../src/pipeline/index.js';
import { modelDir } from './helpers/fixtures.js';
import { rerankerContract } from './helpers/reranker-contract.js';

// Every combinator is a Reranker and passes the same suite as the backends, here over real ONNX models.
const ce = (name = 'bert-ce-tiny') => CrossEncoder.load(modelDir(name));

rerankerContract('CascadeReranker', async () => new CascadeReranker(await ce('xlmr-ce-tiny'), await ce(), { keep: 3 }));
rerankerContract('ThresholdReranker', async () => new ThresholdReranker(await ce(), { threshold: 0, minKeep: 1 }));
rerankerContract('EnsembleReranker weighted', async () => new EnsembleReranker([{ reranker: await ce() }, { reranker: await ce('bert-ce-tiny-2label'), weight: 2 }], { normalize: 'minmax' }));
rerankerContract('EnsembleReranker rrf', async () => new EnsembleReranker([{ reranker: await ce() }, { reranker: await ce('xlmr-ce-tiny') }], { method: 'rrf' }));
rerankerContract('SelectiveReranker', async () => new SelectiveReranker(await ce()));
rerankerContract('CachedReranker', async () => new CachedReranker(await ce(), { max: 4 }));
