import { CrossEncoder } from '../src/index.js';
import { CROSS_ENCODERS, modelDir } from './helpers/fixtures.js';
import { rerankerContract, type ContractOptions } from './helpers/reranker-contract.js';

// Every CrossEncoder fixture (1- and 2-label heads, BERT and XLM-R tokenizers) and the chunked mode.
// The BiReranker runs the same suite in retrieval-bi-encoder.test.ts.
const o: ContractOptions = { fields: ['raw', 'logits'], pointwise: true };
for (const name of CROSS_ENCODERS) rerankerContract(`CrossEncoder ${name}`, () => CrossEncoder.load(modelDir(name)), o);
rerankerContract('CrossEncoder chunked', () => CrossEncoder.load(modelDir('xlmr-ce-tiny'), { longDocuments: 'chunk', maxLength: 16 }), o);
