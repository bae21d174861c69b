/**
 * Converts ../shared/datasets/scifact (a zip of CSV exports of allenai/scifact plus Anserini's qrels and
 * topics) into a BEIR folder: corpus.jsonl ({_id,title,text}, text = abstract sentences joined by ' '),
 * queries.jsonl ({_id,text}) and qrels/test.tsv — exactly BEIR SciFact test. Parsing is the eval loader's.
 *   node --import tsx scripts/scifact-to-beir.ts [srcDir=../shared/datasets/scifact] [outDir=.bench/scifact (git-ignored)]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSciFact } from '../src/eval/collections.js';

const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Writes the BEIR folder; returns the number of documents, queries and judgments. */
export async function convertScifact(src: string, out: string): Promise<{ docs: number; queries: number; qrels: number }> {
  const ds = await loadSciFact(src);
  mkdirSync(join(out, 'qrels'), { recursive: true });
  writeFileSync(join(out, 'corpus.jsonl'), jsonl(ds.docs.map((d) => ({ _id: d.id, title: d.title ?? '', text: d.text }))));
  writeFileSync(join(out, 'queries.jsonl'), jsonl([...ds.queries].map(([_id, text]) => ({ _id, text }))));
  const qrels = [...ds.qrels].flatMap(([q, docs]) => [...docs].map(([d, r]) => `${q}\t${d}\t${r}`));
  writeFileSync(join(out, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...qrels].join('\n') + '\n');
  return { docs: ds.docs.length, queries: ds.queries.size, qrels: qrels.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[3] ?? '.bench/scifact';
  const n = await convertScifact(process.argv[2] ?? '../shared/datasets/scifact', out);
  console.error(`wrote ${n.docs} docs, ${n.queries} queries, ${n.qrels} judgments to ${out}`);
}
