/**
 * First-stage retrieval benchmark: BM25 on BEIR SciFact (index time, save/load time, queries per
 * second, nDCG@10 and R@100 against Anserini's 0.6789 / 0.9253) and BM25 analyzers on XQuAD-R zh.
 *   node --import tsx bench/retrieval-scifact.ts [../shared/datasets]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertScifact } from '../scripts/scifact-to-beir.js';
import { loadBeir } from '../src/eval/beir.js';
import { evaluate } from '../src/eval/evaluate.js';
import { buildRetriever, openIndex, saveRetriever } from '../src/retrieval/index.js';
import type { Retriever } from '../src/types.js';

const DATA = process.argv[2] ?? join(import.meta.dirname, '..', '..', 'shared', 'datasets');
const NEEDED = ['scifact', 'xquad-r-zh-dev'];
if (process.argv[2] === '--help' || !NEEDED.every((d) => existsSync(join(DATA, d)))) {
  process.stderr.write(`usage: node --import tsx bench/retrieval-scifact.ts [datasets folder]
  The folder holds scifact/ (scifact.zip, Anserini's qrels and topics) and xquad-r-zh-dev/ (a BEIR folder);
  default: ../shared/datasets next to this checkout. ${process.argv[2] === '--help' ? '' : `Not found in ${DATA}: ${NEEDED.filter((d) => !existsSync(join(DATA, d))).join(', ')}.`}
`);
  process.exit(process.argv[2] === '--help' ? 0 : 2);
}
const tmp = mkdtempSync(join(tmpdir(), 'rerankit-bench-'));
const ms = (t: number): number => +(performance.now() - t).toFixed(0);

async function runAll(r: Retriever, queries: Map<string, string>, k: number): Promise<Map<string, Map<string, number>>> {
  const run = new Map<string, Map<string, number>>();
  for (const [qid, q] of queries) run.set(qid, new Map((await r.search(q, k)).map((h) => [h.id, h.score])));
  return run;
}

async function scifact(): Promise<void> {
  const beir = join(tmp, 'scifact');
  await convertScifact(join(DATA, 'scifact'), beir);
  const ds = await loadBeir(beir);
  const docs = ds.docs.map((d) => ({ id: d.id, text: d.title ? `${d.title} ${d.text}` : d.text }));
  let t = performance.now();
  const r = await buildRetriever('bm25', docs, { language: 'en' });
  const indexMs = ms(t);
  t = performance.now();
  await saveRetriever(join(tmp, 'idx'), r);
  const saveMs = ms(t);
  t = performance.now();
  const loaded = await openIndex(join(tmp, 'idx'));
  const loadMs = ms(t);
  await runAll(loaded, ds.queries, 1000); // warm-up
  const qps: Record<string, number> = {};
  for (const k of [10, 1000]) {
    t = performance.now();
    for (let i = 0; i < 3; i++) await runAll(loaded, ds.queries, k);
    qps[`k=${k}`] = Math.round((3 * ds.queries.size) / ((performance.now() - t) / 1000));
  }
  const { all } = evaluate(ds.qrels, await runAll(loaded, ds.queries, 1000), { measures: ['ndcg_cut_10', 'recall_100', 'recall_1000'] });
  console.log(JSON.stringify({ dataset: 'scifact', docs: docs.length, queries: ds.queries.size, indexMs, saveMs, loadMs, qps, ...all }));
}

async function xquad(): Promise<void> {
  const ds = await loadBeir(join(DATA, 'xquad-r-zh-dev'));
  const docs = ds.docs.map((d) => ({ id: d.id, text: d.text }));
  for (const language of ['zh', 'zh-words', 'auto']) {
    const r = await buildRetriever('bm25', docs, { language });
    const { all } = evaluate(ds.qrels, await runAll(r, ds.queries, 100), { measures: ['ndcg_cut_10', 'recall_100'] });
    console.log(JSON.stringify({ dataset: 'xquad-r-zh-dev', language, ...all }));
  }
}

try {
  await scifact();
  await xquad();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
