/**
 * LambdaMART (src/learn/lambdamart.ts) against XGBoost's rank:ndcg (tree_method=hist, nthread=1) on the
 * same learning-to-rank set: Cranfield queries, BM25/term features of each query's top-100 BM25
 * candidates, graded qrels; first 80% of queries train, the rest test. Same trees, depth, learning
 * rate; NDCG@10 on the held-out queries computed by one function for both; training seconds.
 *
 *   node --import tsx bench/lambdamart.ts [--trees 100] [--depth 6] [--eta 0.1] [--dataset ../shared/datasets/cranfield]
 *
 * Needs Debian's /usr/bin/python3 with python3-xgboost (the benchmark's reference, not a dependency).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ndcgAt, predict, trainLambdaMart, type RankGroup } from '../src/learn/lambdamart.js';

const { values: a } = parseArgs({ options: { trees: { type: 'string', default: '100' }, depth: { type: 'string', default: '6' }, eta: { type: 'string', default: '0.1' }, dataset: { type: 'string', default: '../shared/datasets/cranfield' }, runs: { type: 'string', default: '3' } } });
const dir = mkdtempSync(join(tmpdir(), 'lambdamart-'));
const here = new URL('.', import.meta.url).pathname;
execFileSync('/usr/bin/python3', [join(here, 'lambdamart_xgb.py'), dir, a.trees!, a.depth!, a.eta!, a.dataset!, a.runs!], { stdio: 'inherit' });
const data = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) as { features: string[]; train: RankGroup[]; test: RankGroup[] };
const xgb = JSON.parse(readFileSync(join(dir, 'xgb.json'), 'utf8')) as { seconds: number; test: number[][]; version: string };
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const ndcg = (scores: number[][]): number => mean(data.test.map((g, i) => ndcgAt(scores[i]!, g.y, 10)));

let best = Infinity;
let ours = 0;
for (let r = 0; r < Number(a.runs); r++) {
  const t0 = performance.now();
  const res = trainLambdaMart(data.train, [], data.features, { iterations: Number(a.trees), maxDepth: Number(a.depth), learningRate: Number(a.eta), ndcgCutoff: 10, sampling: 1, seed: 0 });
  best = Math.min(best, (performance.now() - t0) / 1000);
  ours = ndcg(data.test.map((g) => g.x.map((x) => predict(res.model, x))));
}
const first = ndcg(data.test.map((g) => g.x.map((x) => x[0]!)));
const docs = data.train.reduce((s, g) => s + g.y.length, 0);
console.log(`dataset: cranfield, ${data.train.length} train / ${data.test.length} test queries, ${docs} train documents, ${data.features.length} features`);
console.log(`params: trees=${a.trees} depth=${a.depth} eta=${a.eta}`);
console.log(`BM25 order          NDCG@10 ${first.toFixed(4)}`);
console.log(`XGBoost ${xgb.version} rank:ndcg NDCG@10 ${ndcg(xgb.test).toFixed(4)}  train ${xgb.seconds.toFixed(3)} s (hist, nthread=1, best of ${a.runs})`);
console.log(`rerankit LambdaMART  NDCG@10 ${ours.toFixed(4)}  train ${best.toFixed(3)} s (best of ${a.runs})`);
console.log(`Δ NDCG@10 ${(ours - ndcg(xgb.test)).toFixed(4)}, time ratio ${(best / xgb.seconds).toFixed(2)}×`);
