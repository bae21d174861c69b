import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RerankError } from '../errors.js';
import { loadBeir } from './beir.js';
import { isSciFactDir, loadNovelEval, loadSciFact } from './collections.js';
import { loadCisi, loadCranfield } from './smart.js';
import type { Dataset } from './types.js';

/** Which loader a folder needs, judged by the files it holds. */
export function detectFormat(dir: string): 'beir' | 'cranfield' | 'cisi' | 'noveleval' | 'scifact' {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RerankError('RERANK_FILE', `dataset folder ${dir} not found`);
  const has = (f: string) => existsSync(join(dir, f));
  if (has('corpus.jsonl') && has('queries.jsonl')) return 'beir';
  if (has('cran.all.1400')) return 'cranfield';
  if (has('CISI.ALL')) return 'cisi';
  if (has('corpus.tsv') && has('queries.tsv')) return 'noveleval';
  if (isSciFactDir(dir)) return 'scifact';
  throw new RerankError('RERANK_FILE', `${dir} is not a BEIR, Cranfield, CISI, NovelEval or SciFact folder`);
}

/** Loads any supported test collection from its folder. `split` applies to BEIR folders only. */
export async function loadDataset(dir: string, split = 'test'): Promise<Dataset> {
  switch (detectFormat(dir)) {
    case 'beir': return loadBeir(dir, split);
    case 'cranfield': return loadCranfield(dir);
    case 'cisi': return loadCisi(dir);
    case 'noveleval': return loadNovelEval(dir);
    case 'scifact': return loadSciFact(dir);
  }
}
