/**
 * Speed of `rerankit eval` on a generated run of 10,000 queries × 1,000 documents (420 MB) with trec_eval's
 * default measures, from the files to the printed text, the work `rerankit eval QRELS RUN` does.
 *   node --import tsx bench/eval-trec.ts [--queries 10000] [--docs 1000] [-m official] [--trec-eval /path/to/trec_eval] [--keep DIR] [--json]
 * With --trec-eval, the same files go through that binary too (its time, and whether the outputs are
 * byte-equal). The collection is seeded (mulberry32), so every machine measures the same files.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateTrec, formatTrecEval } from '../src/eval/evaluate.js';
import { parseQrelsBytes, RunReader } from '../src/eval/trec-read.js';
import { seededRandom } from '../src/util/random.js';

const { values: args } = parseArgs({
  options: {
    queries: { type: 'string', default: '10000' },
    docs: { type: 'string', default: '1000' },
    measure: { type: 'string', short: 'm', multiple: true },
    'trec-eval': { type: 'string' },
    keep: { type: 'string' },
    json: { type: 'boolean' },
  },
});
const Q = Number(args.queries);
const D = Number(args.docs);
const measures = args.measure ?? ['official'];

/** TREC-like: scores descending in file order, 100 judgments per query (70 among the retrieved, graded 0-3). */
async function generate(dir: string): Promise<{ qrels: string; run: string }> {
  const rand = seededRandom(2024);
  const paths = { qrels: join(dir, 'qrels.txt'), run: join(dir, 'run.txt') };
  const run = createWriteStream(paths.run);
  const qrels = createWriteStream(paths.qrels);
  const write = (s: NodeJS.WritableStream, text: string) => new Promise<void>((ok) => (s.write(text) ? ok() : s.once('drain', ok)));
  for (let q = 0; q < Q; q++) {
    let score = 30;
    const ids: string[] = [];
    const lines: string[] = [];
    for (let r = 1; r <= D; r++) {
      score -= rand() * 0.05;
      const id = `doc${Math.floor(rand() * 5e6)}_${r}`;
      ids.push(id);
      lines.push(`${q} Q0 ${id} ${r} ${score.toFixed(6)} bench\n`);
    }
    await write(run, lines.join(''));
    const judged = new Set<number>();
    const j: string[] = [];
    for (let k = 0; k < 70; k++) {
      const r = Math.floor(rand() * rand() * D);
      if (judged.has(r)) continue;
      judged.add(r);
      j.push(`${q} 0 ${ids[r]} ${Math.floor(rand() * 4)}\n`);
    }
    for (let k = 0; k < 30; k++) j.push(`${q} 0 unretrieved${k} ${Math.floor(rand() * 3)}\n`);
    await write(qrels, j.join(''));
  }
  await Promise.all([run, qrels].map((s) => new Promise((ok) => s.end(ok))));
  return paths;
}

async function rerankit(paths: { qrels: string; run: string }) {
  const t0 = performance.now();
  const qrels = parseQrelsBytes(await readFile(paths.qrels), paths.qrels);
  const reader = new RunReader(paths.run);
  const file = await open(paths.run, 'r');
  const buf = Buffer.allocUnsafe(1 << 24);
  for (;;) {
    const { bytesRead } = await file.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    reader.feed(buf.subarray(0, bytesRead));
  }
  await file.close();
  const run = reader.end();
  const t1 = performance.now();
  const ev = evaluateTrec(qrels, run, { measures });
  const t2 = performance.now();
  const text = formatTrecEval(ev, { perQuery: false });
  const t3 = performance.now();
  return { text, readS: (t1 - t0) / 1000, evalS: (t2 - t1) / 1000, formatS: (t3 - t2) / 1000, totalS: (t3 - t0) / 1000 };
}

const dir = args.keep ?? mkdtempSync(join(tmpdir(), 'rerankit-eval-bench-'));
mkdirSync(dir, { recursive: true });
try {
  const g0 = performance.now();
  const paths = await generate(dir);
  const generateS = (performance.now() - g0) / 1000;
  const ours = await rerankit(paths);
  const report: Record<string, unknown> = {
    queries: Q, docs_per_query: D, measures, generate_s: +generateS.toFixed(1),
    rerankit: { read_s: +ours.readS.toFixed(2), evaluate_s: +ours.evalS.toFixed(2), format_s: +ours.formatS.toFixed(3), total_s: +ours.totalS.toFixed(2), queries_per_s: Math.round(Q / ours.totalS) },
    node: process.version,
  };
  if (args['trec-eval']) {
    const t0 = performance.now();
    const mArgs = measures.flatMap((m) => ['-m', m]);
    const out = execFileSync(args['trec-eval'], [...mArgs, paths.qrels, paths.run], { maxBuffer: 1 << 30, encoding: 'utf8' });
    const s = (performance.now() - t0) / 1000;
    report.trec_eval = { binary: args['trec-eval'], total_s: +s.toFixed(2), queries_per_s: Math.round(Q / s), same_output: out === ours.text };
  }
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else {
    const r = report.rerankit as Record<string, number>;
    console.log(`${Q} queries × ${D} documents, -m ${measures.join(' -m ')}`);
    console.log(`rerankit eval: ${r.total_s} s (read ${r.read_s} s, evaluate ${r.evaluate_s} s, print ${r.format_s} s): ${r.queries_per_s} queries/s`);
    const t = report.trec_eval as Record<string, unknown> | undefined;
    if (t) console.log(`trec_eval:     ${t.total_s} s: ${t.queries_per_s} queries/s; same output: ${t.same_output}`);
  }
} finally {
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
}
