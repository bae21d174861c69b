import { CrossEncoder } from '../src/index.js';
import { CROSS_ENCODERS, modelDir } from './helpers/fixtures.js';
import { rerankerContract } from './helpers/reranker-contract.js';

for (const name of CROSS_ENCODERS) rerankerContract(`CrossEncoder ${name}`, () => CrossEncoder.load(modelDir(name)));
rerankerContract('CrossEncoder chunked', () => CrossEncoder.load(modelDir('xlmr-ce-tiny'), { longDocuments: 'chunk', maxLength: 16 }));
